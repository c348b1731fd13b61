-- Money received from customers, recorded from bank notices. The bank
-- reference is unique so the same notice cannot be booked twice.
CREATE TABLE payments (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id      BIGINT       NOT NULL,
  currency         CHAR(3)      NOT NULL,
  amount_minor     BIGINT       NOT NULL,
  unapplied_minor  BIGINT       NOT NULL,
  method           TINYINT      NOT NULL,
  bank_reference   VARCHAR(64)  NOT NULL,
  received_on      DATE         NOT NULL,
  maturity_on      DATE         NULL,
  version          BIGINT       NOT NULL DEFAULT 1,
  created_at       DATETIME(6)  NOT NULL,
  updated_at       DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_payments_bank_reference (bank_reference),
  KEY ix_payments_customer (customer_id, received_on),
  CONSTRAINT ck_payments_amount CHECK (amount_minor > 0),
  CONSTRAINT ck_payments_unapplied CHECK (unapplied_minor >= 0 AND unapplied_minor <= amount_minor)
) ENGINE=InnoDB;
