CREATE TEMPORARY TABLE mongo_tickets (
  _id         STRING,
  house_id    BIGINT,
  category    STRING,
  priority    INT,
  status      STRING,
  reported_at TIMESTAMP_LTZ(3),
  PRIMARY KEY (_id) NOT ENFORCED
) WITH (
  'connector' = 'mongodb-cdc',
  'hosts' = '${mongo_hosts}',
  'username' = 'flink',
  'password' = '${secret:MONGO_PASSWORD}',
  'database' = 'homeservice',
  'collection' = 'tickets'
);

CREATE TEMPORARY TABLE ch_tickets (
  ticket_id   STRING,
  house_id    BIGINT,
  category    STRING,
  priority    INT,
  status      STRING,
  reported_at TIMESTAMP(3),
  PRIMARY KEY (ticket_id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '${clickhouse_url}',
  'table-name' = 'dwd_repair_tickets',
  'username' = 'flink_writer',
  'password' = '${secret:CLICKHOUSE_PASSWORD}',
  'sink.buffer-flush.max-rows' = '5000',
  'sink.buffer-flush.interval' = '2s'
);

INSERT INTO ch_tickets
SELECT _id, house_id, category, priority, status, CAST(reported_at AS TIMESTAMP(3))
FROM mongo_tickets;
