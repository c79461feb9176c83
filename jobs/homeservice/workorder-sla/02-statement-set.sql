EXECUTE STATEMENT SET
BEGIN
  INSERT INTO late_alerts
  SELECT order_id, city, service_type, CAST(late_minutes AS BIGINT)
  FROM finished_orders
  WHERE late_minutes > 0;

  INSERT INTO sla_by_city
  SELECT
    city,
    window_start,
    COUNT(*) AS finished,
    SUM(CASE WHEN late_minutes > 0 THEN 1 ELSE 0 END) AS late
  FROM TABLE(TUMBLE(TABLE finished_orders, DESCRIPTOR(event_time), INTERVAL '1' HOUR))
  GROUP BY city, window_start, window_end;
END;
