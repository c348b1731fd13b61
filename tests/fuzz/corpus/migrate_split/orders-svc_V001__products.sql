-- Sellable SKUs with their cost and the floor price a director may approve.
CREATE TABLE products (
  id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sku                VARCHAR(64)  NOT NULL,
  name               VARCHAR(200) NOT NULL,
  product_line_id    BIGINT       NOT NULL,
  unit               VARCHAR(16)  NOT NULL,
  currency           CHAR(3)      NOT NULL,
  unit_cost_minor    BIGINT       NOT NULL,
  floor_price_minor  BIGINT       NOT NULL,
  commissionable     TINYINT      NOT NULL DEFAULT 0,
  version            BIGINT       NOT NULL DEFAULT 1,
  created_at         DATETIME(6)  NOT NULL,
  updated_at         DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_products_sku (sku),
  KEY ix_products_line (product_line_id, id)
) ENGINE=InnoDB;
