CREATE TEMPORARY TABLE orders (
  order_id   BIGINT,
  house_id   BIGINT,
  user_id    BIGINT,
  amount     DECIMAL(12, 2),
  created_at TIMESTAMP(3),
  proc_time AS PROCTIME()
) WITH (
  'connector' = 'kafka',
  'topic' = 'rent.orders${topic_suffix}',
  'properties.bootstrap.servers' = '${kafka_brokers}',
  'properties.group.id' = 'flink-${job}-${env}',
  'format' = 'json'
);

-- The house dimension: looked up per order, cached for ten minutes.
CREATE TEMPORARY TABLE dim_house (
  house_id    BIGINT,
  district    STRING,
  layout      STRING,
  landlord_id BIGINT,
  PRIMARY KEY (house_id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:mysql://${mysql_host}:3306/house',
  'table-name' = 'house',
  'username' = 'flink_reader',
  'password' = '${secret:MYSQL_READER_PASSWORD}',
  'lookup.cache' = 'PARTIAL',
  'lookup.partial-cache.max-rows' = '200000',
  'lookup.partial-cache.expire-after-write' = '10min'
);

CREATE TEMPORARY TABLE orders_enriched (
  order_id    BIGINT,
  user_id     BIGINT,
  amount      DECIMAL(12, 2),
  district    STRING,
  layout      STRING,
  landlord_id BIGINT,
  created_at  TIMESTAMP(3)
) WITH (
  'connector' = 'kafka',
  'topic' = 'rent.orders_enriched${topic_suffix}',
  'properties.bootstrap.servers' = '${kafka_brokers}',
  'format' = 'json'
);

INSERT INTO orders_enriched
SELECT o.order_id, o.user_id, o.amount, h.district, h.layout, h.landlord_id, o.created_at
FROM orders AS o
LEFT JOIN dim_house FOR SYSTEM_TIME AS OF o.proc_time AS h
  ON o.house_id = h.house_id;
