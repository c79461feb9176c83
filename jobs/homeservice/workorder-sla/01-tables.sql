CREATE TEMPORARY TABLE work_orders (
  order_id     BIGINT,
  city         STRING,
  service_type STRING,
  promised_at  TIMESTAMP(3),
  finished_at  TIMESTAMP(3),
  event_time   TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '1' MINUTE
) WITH (
  'connector' = 'kafka',
  'topic' = 'hs.work_orders${topic_suffix}',
  'properties.bootstrap.servers' = '${kafka_brokers}',
  'properties.group.id' = 'flink-${job}-${env}',
  'format' = 'json'
);

CREATE TEMPORARY TABLE late_alerts (
  order_id     BIGINT,
  city         STRING,
  service_type STRING,
  late_minutes BIGINT
) WITH (
  'connector' = 'kafka',
  'topic' = 'hs.sla_alerts${topic_suffix}',
  'properties.bootstrap.servers' = '${kafka_brokers}',
  'format' = 'json'
);

CREATE TEMPORARY TABLE sla_by_city (
  city         STRING,
  window_start TIMESTAMP(3),
  finished     BIGINT,
  late         BIGINT,
  PRIMARY KEY (city, window_start) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '${clickhouse_url}',
  'table-name' = 'dws_sla_by_city',
  'username' = 'flink_writer',
  'password' = '${secret:CLICKHOUSE_PASSWORD}'
);

CREATE TEMPORARY VIEW finished_orders AS
SELECT
  order_id, city, service_type, event_time,
  TIMESTAMPDIFF(MINUTE, promised_at, finished_at) AS late_minutes
FROM work_orders
WHERE finished_at IS NOT NULL;
