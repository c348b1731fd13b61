-- A read-only copy of the sales organization, kept from targets-svc's event
-- feed: customers-svc needs to know which reps exist, where they sit and
-- whether they have left, without reading another service's tables.
CREATE TABLE org_units_replica (
  id         BIGINT      NOT NULL PRIMARY KEY,
  parent_id  BIGINT      NOT NULL DEFAULT 0,
  kind       TINYINT     NOT NULL,
  code       VARCHAR(32) NOT NULL,
  closed     TINYINT     NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  KEY ix_org_units_replica_parent (parent_id)
) ENGINE=InnoDB;

CREATE TABLE reps_replica (
  id          BIGINT       NOT NULL PRIMARY KEY,
  user_id     VARCHAR(64)  NOT NULL DEFAULT '',
  name        VARCHAR(100) NOT NULL,
  org_unit_id BIGINT       NOT NULL,
  status      TINYINT      NOT NULL,
  updated_at  DATETIME(6)  NOT NULL,
  KEY ix_reps_replica_unit (org_unit_id)
) ENGINE=InnoDB;
