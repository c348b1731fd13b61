-- Customers and who owns them. The normalised phone, name and tax id carry
-- unique keys: registration time decides ownership, and of two reps
-- registering the same customer at the same moment exactly one insert wins.
CREATE TABLE customers (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name             VARCHAR(200) NOT NULL,
  normalized_name  VARCHAR(200) NOT NULL,
  type             TINYINT      NOT NULL,
  status           TINYINT      NOT NULL,
  phone            VARCHAR(40)  NOT NULL,
  normalized_phone VARCHAR(20)  NOT NULL,
  tax_id           VARCHAR(18)  NULL,
  region           VARCHAR(32)  NOT NULL,
  city             VARCHAR(64)  NOT NULL,
  address          VARCHAR(255) NOT NULL DEFAULT '',
  source_channel   VARCHAR(32)  NOT NULL DEFAULT '',
  owner_rep_id     BIGINT       NULL,
  version          BIGINT       NOT NULL DEFAULT 1,
  registered_at    DATETIME(6)  NOT NULL,
  updated_at       DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_customers_phone (normalized_phone),
  UNIQUE KEY uk_customers_name (normalized_name),
  UNIQUE KEY uk_customers_tax_id (tax_id),
  KEY ix_customers_owner (owner_rep_id, id)
) ENGINE=InnoDB;
