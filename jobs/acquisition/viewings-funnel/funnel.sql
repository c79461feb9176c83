CREATE TEMPORARY TABLE viewings (
  viewing_id BIGINT,
  house_id   BIGINT,
  city       STRING,
  stage      STRING,
  event_time TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '30' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'acq.viewings${topic_suffix}',
  'properties.bootstrap.servers' = '${kafka_brokers}',
  'properties.group.id' = 'flink-${job}-${env}',
  'format' = 'json'
);

CREATE TEMPORARY TABLE viewings_hourly (
  city         STRING,
  window_start TIMESTAMP(3),
  booked       BIGINT,
  visited      BIGINT,
  signed       BIGINT,
  PRIMARY KEY (city, window_start) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '${clickhouse_url}',
  'table-name' = 'dws_viewings_hourly',
  'username' = 'flink_writer',
  'password' = '${secret:CLICKHOUSE_PASSWORD}'
);

INSERT INTO viewings_hourly
SELECT
  city,
  window_start,
  SUM(CASE WHEN stage = 'BOOKED' THEN 1 ELSE 0 END)  AS booked,
  SUM(CASE WHEN stage = 'VISITED' THEN 1 ELSE 0 END) AS visited,
  SUM(CASE WHEN stage = 'SIGNED' THEN 1 ELSE 0 END)  AS signed
FROM TABLE(HOP(TABLE viewings, DESCRIPTOR(event_time), INTERVAL '10' MINUTE, INTERVAL '1' HOUR))
GROUP BY city, window_start, window_end;
