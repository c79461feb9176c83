-- Orders as the order service publishes them (JSON, one message per change).
CREATE TEMPORARY TABLE kafka_orders (
  order_id     BIGINT,
  house_id     BIGINT,
  user_id      BIGINT,
  city         STRING,
  amount       DECIMAL(12, 2),
  order_status STRING,
  created_at   TIMESTAMP(3),
  WATERMARK FOR created_at AS created_at - INTERVAL '10' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '${orders_topic}',
  'properties.bootstrap.servers' = '${kafka_brokers}',
  'properties.group.id' = 'flink-${job}-${env}',
  'properties.sasl.jaas.config' = '${secret:KAFKA_JAAS}',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = 'earliest',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);
