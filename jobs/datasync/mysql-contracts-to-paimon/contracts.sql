SET 'table.sql-dialect' = 'default';

CREATE TEMPORARY TABLE mysql_contracts (
  contract_id  BIGINT,
  house_id     BIGINT,
  tenant_id    BIGINT,
  tenant_name  STRING,
  tenant_phone STRING,
  monthly_rent DECIMAL(12, 2),
  city         STRING,
  status       STRING,
  signed_at    TIMESTAMP(3),
  PRIMARY KEY (contract_id) NOT ENFORCED
) WITH (
  'connector' = 'mysql-cdc',
  'hostname' = '${mysql_host}',
  'port' = '3306',
  'username' = 'flink_cdc',
  'password' = '${secret:MYSQL_CDC_PASSWORD}',
  'database-name' = 'rent',
  'table-name' = 'contracts',
  'server-id' = '${server_id}',
  'scan.incremental.snapshot.enabled' = 'true'
);

-- A primary-key table: updates and deletes from MySQL apply in place.
INSERT INTO paimon_dw.ods.rent_contracts
SELECT
  contract_id,
  house_id,
  tenant_id,
  tenant_phone,
  monthly_rent,
  city,
  status,
  signed_at,
  DATE_FORMAT(signed_at, 'yyyyMMdd') AS dt
FROM mysql_contracts;
