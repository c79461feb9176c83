-- One row per city and minute; the window fires when the watermark passes its end.
INSERT INTO paimon_dw.dws.rental_metrics_1m
SELECT
  city,
  window_start,
  window_end,
  COUNT(*)                AS orders,
  SUM(amount)             AS gmv,
  COUNT(DISTINCT user_id) AS unique_users
FROM TABLE(
  TUMBLE(TABLE orders, DESCRIPTOR(created_at), INTERVAL '1' MINUTE)
)
WHERE order_status <> 'CANCELLED'
GROUP BY city, window_start, window_end;
