-- Upsert into the lake; the table and its schema live in platform/catalogs/paimon.yaml.
INSERT INTO paimon_dw.ods.orders
SELECT
  order_id,
  house_id,
  user_id,
  LOWER(TRIM(city)) AS city,
  amount,
  order_status,
  created_at,
  DATE_FORMAT(created_at, 'yyyy-MM-dd') AS dt
FROM kafka_orders
WHERE order_id IS NOT NULL;
