CREATE TEMPORARY TABLE orders (
  order_id     BIGINT,
  house_id     BIGINT,
  user_id      BIGINT,
  city         STRING,
  amount       DECIMAL(12, 2),
  order_status STRING,
  created_at   TIMESTAMP(3),
  WATERMARK FOR created_at AS created_at - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'rent.orders${topic_suffix}',
  'properties.bootstrap.servers' = '${kafka_brokers}',
  'properties.group.id' = 'flink-${job}-${env}',
  'scan.startup.mode' = 'latest-offset',
  'format' = 'json'
);
