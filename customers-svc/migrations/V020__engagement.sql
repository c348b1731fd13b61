-- customers-svc engagement side: settings, duty rotation and reception,
-- complaints (domain.md §4). Versions V020..V039 belong to this side.

-- One row (id = 1): the company-wide settings as a serialized
-- CustomersSettings message. Empty payload means "all defaults"; fields are
-- filled with defaults on read, so adding a setting needs no migration.
CREATE TABLE customer_settings (
  id         TINYINT     NOT NULL PRIMARY KEY,
  payload    BLOB        NOT NULL,
  version    BIGINT      NOT NULL DEFAULT 1,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;
INSERT INTO customer_settings (id, payload, version, updated_at) VALUES (1, '', 1, '2000-01-01 00:00:00');

CREATE TABLE customer_settings_audit (
  id         BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at         DATETIME(6)   NOT NULL,
  actor_user VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role VARCHAR(32)   NOT NULL DEFAULT '',
  fields     VARCHAR(500)  NOT NULL,
  reason     VARCHAR(1000) NOT NULL,
  request_id VARCHAR(64)   NOT NULL DEFAULT ''
) ENGINE=InnoDB;

-- The duty rotation of an office. Every lead assignment locks this row
-- (SELECT ... FOR UPDATE), so two receptionists registering leads at the
-- same moment take consecutive turns, never the same one.
CREATE TABLE rotations (
  id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  office_id   BIGINT      NOT NULL,
  cursor_pos  INT         NOT NULL DEFAULT 0,
  version     BIGINT      NOT NULL DEFAULT 1,
  created_at  DATETIME(6) NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  UNIQUE KEY uk_rotations_office (office_id)
) ENGINE=InnoDB;

CREATE TABLE rotation_members (
  rotation_id BIGINT  NOT NULL,
  position    INT     NOT NULL,
  rep_id      BIGINT  NOT NULL,
  active      TINYINT NOT NULL DEFAULT 1,
  PRIMARY KEY (rotation_id, position),
  UNIQUE KEY uk_rotation_members_rep (rotation_id, rep_id)
) ENGINE=InnoDB;

-- Owed turns (banked for company business, make-up for approved market
-- surveys), served first-in first-out by seq.
CREATE TABLE rotation_owed_turns (
  rotation_id BIGINT  NOT NULL,
  seq         INT     NOT NULL,
  rep_id      BIGINT  NOT NULL,
  kind        TINYINT NOT NULL,
  PRIMARY KEY (rotation_id, seq)
) ENGINE=InnoDB;

-- Member list changes: who, when, why (the manager rules on the rotation).
CREATE TABLE rotation_changes (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rotation_id BIGINT        NOT NULL,
  at          DATETIME(6)   NOT NULL,
  actor_user  VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role  VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep   BIGINT        NOT NULL DEFAULT 0,
  members     VARCHAR(2000) NOT NULL,
  reason      VARCHAR(1000) NOT NULL,
  KEY ix_rotation_changes (rotation_id, id)
) ENGINE=InnoDB;

CREATE TABLE rep_absences (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rep_id        BIGINT        NOT NULL,
  office_id     BIGINT        NOT NULL,
  kind          TINYINT       NOT NULL,
  start_time    DATETIME(6)   NOT NULL,
  end_time      DATETIME(6)   NULL,
  reason        VARCHAR(500)  NOT NULL,
  actor_user    VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role    VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep     BIGINT        NOT NULL DEFAULT 0,
  actor_unit    BIGINT        NOT NULL DEFAULT 0,
  cancelled     TINYINT       NOT NULL DEFAULT 0,
  cancel_reason VARCHAR(500)  NOT NULL DEFAULT '',
  version       BIGINT        NOT NULL DEFAULT 1,
  created_at    DATETIME(6)   NOT NULL,
  KEY ix_rep_absences_rep (rep_id, start_time),
  KEY ix_rep_absences_office (office_id, id)
) ENGINE=InnoDB;

-- Reception leads. The contact data as entered is kept with the lead, so
-- the lead stands as evidence of who received whom even before (or
-- without) a customer record.
CREATE TABLE leads (
  id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  office_id        BIGINT        NOT NULL,
  channel          TINYINT       NOT NULL,
  customer_id      BIGINT        NOT NULL DEFAULT 0,
  assigned_rep_id  BIGINT        NOT NULL DEFAULT 0,
  assigned_unit_id BIGINT        NOT NULL DEFAULT 0,
  outcome          TINYINT       NOT NULL,
  turn_outcome     TINYINT       NOT NULL DEFAULT 0,
  skipped          VARCHAR(2000) NOT NULL DEFAULT '',
  party_size       INT           NOT NULL DEFAULT 1,
  inquiry          VARCHAR(2000) NOT NULL DEFAULT '',
  contact_name     VARCHAR(200)  NOT NULL DEFAULT '',
  contact_phone    VARCHAR(20)   NOT NULL DEFAULT '',
  customer_type    TINYINT       NOT NULL DEFAULT 0,
  region           VARCHAR(32)   NOT NULL DEFAULT '',
  city             VARCHAR(64)   NOT NULL DEFAULT '',
  receive_time     DATETIME(6)   NOT NULL,
  business_date    DATE          NOT NULL,
  actor_user       VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role       VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep        BIGINT        NOT NULL DEFAULT 0,
  actor_unit       BIGINT        NOT NULL DEFAULT 0,
  reassign_reason  VARCHAR(1000) NOT NULL DEFAULT '',
  version          BIGINT        NOT NULL DEFAULT 1,
  KEY ix_leads_office (office_id, business_date),
  KEY ix_leads_rep (assigned_rep_id, id),
  KEY ix_leads_customer (customer_id)
) ENGINE=InnoDB;

-- At most one report per lead (unique lead_id): a make-up turn is granted
-- at most once for a lead.
CREATE TABLE market_survey_reports (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lead_id       BIGINT        NOT NULL,
  rep_id        BIGINT        NOT NULL,
  office_id     BIGINT        NOT NULL,
  reason        VARCHAR(1000) NOT NULL,
  status        TINYINT       NOT NULL,
  decision_note VARCHAR(1000) NOT NULL DEFAULT '',
  decider_user  VARCHAR(64)   NOT NULL DEFAULT '',
  decider_role  VARCHAR(32)   NOT NULL DEFAULT '',
  decider_rep   BIGINT        NOT NULL DEFAULT 0,
  decider_unit  BIGINT        NOT NULL DEFAULT 0,
  created_at    DATETIME(6)   NOT NULL,
  decided_at    DATETIME(6)   NULL,
  version       BIGINT        NOT NULL DEFAULT 1,
  UNIQUE KEY uk_market_survey_lead (lead_id),
  KEY ix_market_survey_office (office_id, id)
) ENGINE=InnoDB;

CREATE TABLE reception_calls (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  office_id     BIGINT        NOT NULL,
  kind          TINYINT       NOT NULL,
  call_time     DATETIME(6)   NOT NULL,
  business_date DATE          NOT NULL,
  lead_id       BIGINT        NOT NULL DEFAULT 0,
  note          VARCHAR(1000) NOT NULL DEFAULT '',
  actor_user    VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role    VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep     BIGINT        NOT NULL DEFAULT 0,
  actor_unit    BIGINT        NOT NULL DEFAULT 0,
  KEY ix_reception_calls_office (office_id, business_date)
) ENGINE=InnoDB;

CREATE TABLE complaints (
  id                BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id       BIGINT        NOT NULL,
  received_date     DATE          NOT NULL,
  category          TINYINT       NOT NULL,
  severity          TINYINT       NOT NULL,
  subject           VARCHAR(200)  NOT NULL,
  description       TEXT          NOT NULL,
  order_id          BIGINT        NOT NULL DEFAULT 0,
  status            TINYINT       NOT NULL,
  handler_rep_id    BIGINT        NOT NULL DEFAULT 0,
  owner_rep_id      BIGINT        NOT NULL DEFAULT 0,
  org_unit_id       BIGINT        NOT NULL DEFAULT 0,
  resolution        TEXT          NOT NULL,
  customer_answer   TEXT          NOT NULL,
  answer_date       DATE          NULL,
  escalated         TINYINT       NOT NULL DEFAULT 0,
  escalation_reason VARCHAR(1000) NOT NULL DEFAULT '',
  actor_user        VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role        VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep         BIGINT        NOT NULL DEFAULT 0,
  actor_unit        BIGINT        NOT NULL DEFAULT 0,
  created_at        DATETIME(6)   NOT NULL,
  updated_at        DATETIME(6)   NOT NULL,
  closed_at         DATETIME(6)   NULL,
  version           BIGINT        NOT NULL DEFAULT 1,
  KEY ix_complaints_customer (customer_id, status),
  KEY ix_complaints_unit (org_unit_id, id),
  KEY ix_complaints_owner (owner_rep_id, id)
) ENGINE=InnoDB;

-- Every state change of a complaint: who, when, from, to, why.
CREATE TABLE complaint_history (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT        NOT NULL,
  at           DATETIME(6)   NOT NULL,
  action       VARCHAR(32)   NOT NULL,
  from_status  TINYINT       NOT NULL,
  to_status    TINYINT       NOT NULL,
  actor_user   VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role   VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep    BIGINT        NOT NULL DEFAULT 0,
  reason       VARCHAR(2000) NOT NULL DEFAULT '',
  request_id   VARCHAR(64)   NOT NULL DEFAULT '',
  KEY ix_complaint_history (complaint_id, id)
) ENGINE=InnoDB;
