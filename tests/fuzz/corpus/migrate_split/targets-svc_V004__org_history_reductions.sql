-- Units can close; a closed unit keeps its history but takes no new reps,
-- children or plans.
ALTER TABLE org_units
  ADD COLUMN state TINYINT NOT NULL DEFAULT 1,
  ADD COLUMN closed_date DATE NULL;

-- Where a unit hung in the tree over time (moves keep history).
CREATE TABLE org_unit_history (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_unit_id BIGINT        NOT NULL,
  parent_id   BIGINT        NULL,
  valid_from  DATE          NOT NULL,
  valid_to    DATE          NULL,
  reason      VARCHAR(2000) NOT NULL DEFAULT '',
  actor       VARCHAR(255)  NOT NULL DEFAULT '',
  created_at  DATETIME(6)   NOT NULL,
  KEY ix_org_unit_history (org_unit_id, valid_from)
) ENGINE=InnoDB;

-- A rep's unit and status over time; targets and actuals earned before a
-- move stay with the unit they were earned in.
CREATE TABLE rep_history (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rep_id      BIGINT        NOT NULL,
  org_unit_id BIGINT        NOT NULL,
  status      TINYINT       NOT NULL,
  valid_from  DATE          NOT NULL,
  valid_to    DATE          NULL,
  reason      VARCHAR(2000) NOT NULL DEFAULT '',
  actor       VARCHAR(255)  NOT NULL DEFAULT '',
  created_at  DATETIME(6)   NOT NULL,
  KEY ix_rep_history (rep_id, valid_from)
) ENGINE=InnoDB;

-- Requests to lower a parent cell, decided by the level above.
CREATE TABLE target_reductions (
  id                    BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_id               BIGINT        NOT NULL,
  plan_version          INT           NOT NULL,
  parent_assignment_id  BIGINT        NOT NULL,
  body                  BLOB          NOT NULL,
  current_target        BIGINT        NOT NULL,
  requested_target      BIGINT        NOT NULL,
  reason                VARCHAR(2000) NOT NULL,
  approver_org_unit_id  BIGINT        NOT NULL,
  state                 TINYINT       NOT NULL,
  requested_by          VARCHAR(255)  NOT NULL DEFAULT '',
  decided_by            VARCHAR(255)  NOT NULL DEFAULT '',
  decision_reason       VARCHAR(2000) NOT NULL DEFAULT '',
  escalated_to_id       BIGINT        NOT NULL DEFAULT 0,
  version               BIGINT        NOT NULL DEFAULT 1,
  created_at            DATETIME(6)   NOT NULL,
  decided_at            DATETIME(6)   NULL,
  KEY ix_target_reductions_plan (plan_id, state)
) ENGINE=InnoDB;
