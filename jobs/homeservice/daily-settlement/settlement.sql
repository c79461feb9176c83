CREATE TEMPORARY TABLE worker_settlement (
  biz_date     STRING,
  worker_id    BIGINT,
  city         STRING,
  orders       BIGINT,
  total_fee    DECIMAL(14, 2),
  PRIMARY KEY (biz_date, worker_id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '${clickhouse_url}',
  'table-name' = 'ads_worker_settlement',
  'username' = 'flink_writer',
  'password' = '${secret:CLICKHOUSE_PASSWORD}'
);

INSERT INTO worker_settlement
SELECT
  dt AS biz_date,
  worker_id,
  MAX(city)  AS city,
  COUNT(*)   AS orders,
  SUM(fee)   AS total_fee
FROM hive_ods.ods.service_orders
WHERE dt = '${biz_date}' AND status = 'FINISHED'
GROUP BY dt, worker_id;
