-- The sales organization tree. The root (company) has parent_id NULL; the
-- generated is_root column makes a second root impossible even under races.
CREATE TABLE org_units (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code              VARCHAR(32)  NOT NULL,
  name              VARCHAR(100) NOT NULL,
  kind              TINYINT      NOT NULL,
  parent_id         BIGINT       NULL,
  market_quality_bp INT          NOT NULL DEFAULT 10000,
  version           BIGINT       NOT NULL DEFAULT 1,
  created_at        DATETIME(6)  NOT NULL,
  updated_at        DATETIME(6)  NOT NULL,
  is_root           TINYINT AS (IF(parent_id IS NULL, 1, NULL)) PERSISTENT,
  UNIQUE KEY uk_org_units_code (code),
  UNIQUE KEY uk_org_units_root (is_root),
  KEY ix_org_units_parent (parent_id, id),
  CONSTRAINT fk_org_units_parent FOREIGN KEY (parent_id) REFERENCES org_units (id)
) ENGINE=InnoDB;
