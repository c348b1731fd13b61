-- Reps belong to exactly one org unit at a time (the column makes "a rep in
-- two units" impossible); history of moves arrives with the targets issue.
CREATE TABLE reps (
  id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  employee_code        VARCHAR(32)  NOT NULL,
  user_id              VARCHAR(64)  NULL,
  name                 VARCHAR(100) NOT NULL,
  org_unit_id          BIGINT       NOT NULL,
  hire_date            DATE         NOT NULL,
  status               TINYINT      NOT NULL,
  status_since         DATE         NOT NULL,
  phone                VARCHAR(40)  NOT NULL DEFAULT '',
  email                VARCHAR(120) NOT NULL DEFAULT '',
  version              BIGINT       NOT NULL DEFAULT 1,
  created_at           DATETIME(6)  NOT NULL,
  updated_at           DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_reps_employee_code (employee_code),
  UNIQUE KEY uk_reps_user (user_id),
  KEY ix_reps_unit (org_unit_id, id),
  CONSTRAINT fk_reps_unit FOREIGN KEY (org_unit_id) REFERENCES org_units (id)
) ENGINE=InnoDB;

-- Product lines and their portfolio role (战斗机型/规模型/利润型/形象型).
CREATE TABLE product_lines (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code           VARCHAR(32)  NOT NULL,
  name           VARCHAR(100) NOT NULL,
  portfolio_role TINYINT      NOT NULL,
  commissionable TINYINT      NOT NULL DEFAULT 1,
  description    VARCHAR(500) NOT NULL DEFAULT '',
  state          TINYINT      NOT NULL,
  version        BIGINT       NOT NULL DEFAULT 1,
  created_at     DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_product_lines_code (code),
  KEY ix_product_lines_role (portfolio_role, id)
) ENGINE=InnoDB;
