-- Collections ladder (超期帐款管理制度 [000]) and credit holds (停止供货).
-- Built on the receivables tables of V002 (invoices, debit_memos,
-- customer_accounts); every date here is a business date in the company
-- time zone.

-- One case per overdue invoice. Stage is derived from the recorded facts
-- (confirmation, notices, legal steps, closing) and stored for lists and
-- reports. stage: CollectionStage; close_reason: CaseCloseReason.
CREATE TABLE collection_cases (
  id                        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id                BIGINT       NOT NULL,
  invoice_number            VARCHAR(32)  NOT NULL DEFAULT '',
  customer_id               BIGINT       NOT NULL,
  rep_id                    BIGINT       NOT NULL,
  org_unit_id               BIGINT       NOT NULL,
  currency                  CHAR(3)      NOT NULL,
  due_on                    DATE         NOT NULL,
  opening_minor             BIGINT       NOT NULL COMMENT 'open balance when the case opened',
  overdue_minor             BIGINT       NOT NULL COMMENT 'open balance at the last change',
  stage                     TINYINT      NOT NULL,
  days_past_due             INT          NOT NULL DEFAULT 0,
  last_swept_on             DATE         NULL,
  confirmed_on              DATE         NULL COMMENT 'customer signed the 确认函',
  confirmed_minor           BIGINT       NOT NULL DEFAULT 0,
  confirmed_by              VARCHAR(128) NOT NULL DEFAULT '',
  confirmation_reference    VARCHAR(128) NOT NULL DEFAULT '',
  plan_received_on          DATE         NULL COMMENT 'written repayment plan',
  plan_signed_by            VARCHAR(128) NOT NULL DEFAULT '',
  plan_reference            VARCHAR(128) NOT NULL DEFAULT '',
  first_notice_on           DATE         NULL,
  first_notice_minor        BIGINT       NOT NULL DEFAULT 0,
  first_notice_method       VARCHAR(32)  NOT NULL DEFAULT '',
  first_notice_reference    VARCHAR(128) NOT NULL DEFAULT '',
  second_notice_on          DATE         NULL,
  second_notice_minor       BIGINT       NOT NULL DEFAULT 0,
  second_notice_method      VARCHAR(32)  NOT NULL DEFAULT '',
  second_notice_reference   VARCHAR(128) NOT NULL DEFAULT '',
  legal_started_on          DATE         NULL,
  legal_ready_on            DATE         NULL,
  legal_file_reference      VARCHAR(128) NOT NULL DEFAULT '',
  missed_confirmation       TINYINT      NOT NULL DEFAULT 0 COMMENT 'day-7 deadline flagged',
  missed_first_notice       TINYINT      NOT NULL DEFAULT 0 COMMENT 'day-14 deadline flagged',
  missed_second_notice      TINYINT      NOT NULL DEFAULT 0 COMMENT 'first notice + 10 flagged',
  credit_hold_id            BIGINT       NOT NULL DEFAULT 0,
  closed_on                 DATE         NULL,
  close_reason              TINYINT      NOT NULL DEFAULT 0,
  close_note                VARCHAR(500) NOT NULL DEFAULT '',
  version                   BIGINT       NOT NULL DEFAULT 1,
  created_at                DATETIME(6)  NOT NULL,
  updated_at                DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_collection_cases_invoice (invoice_id),
  KEY ix_collection_cases_rep (rep_id, stage, due_on),
  KEY ix_collection_cases_customer (customer_id, stage),
  KEY ix_collection_cases_stage (stage, due_on, id)
) ENGINE=InnoDB;

-- The repayment plan's instalments (书面回款计划).
CREATE TABLE collection_plan_installments (
  case_id      BIGINT  NOT NULL,
  sequence     INT     NOT NULL,
  due_on       DATE    NOT NULL,
  amount_minor BIGINT  NOT NULL,
  PRIMARY KEY (case_id, sequence),
  CONSTRAINT ck_plan_installment_amount CHECK (amount_minor > 0)
) ENGINE=InnoDB;

-- Every step of a case, append-only: the evidence trail.
-- kind: CollectionStepKind; stages: CollectionStage.
CREATE TABLE collection_steps (
  case_id      BIGINT       NOT NULL,
  sequence     INT          NOT NULL,
  kind         TINYINT      NOT NULL,
  effective_on DATE         NOT NULL,
  deadline_on  DATE         NULL,
  by_sweep     TINYINT      NOT NULL,
  from_stage   TINYINT      NOT NULL,
  to_stage     TINYINT      NOT NULL,
  detail       VARCHAR(500) NOT NULL DEFAULT '',
  actor_user   VARCHAR(64)  NOT NULL DEFAULT '',
  request_id   VARCHAR(64)  NOT NULL DEFAULT '',
  recorded_at  DATETIME(6)  NOT NULL,
  PRIMARY KEY (case_id, sequence)
) ENGINE=InnoDB;

-- Supply stops. state: CreditHoldState; source: CreditHoldSource. At most
-- one ACTIVE hold per customer (active_customer_id is NULL once released so
-- the unique key only binds active holds).
CREATE TABLE credit_holds (
  id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id         BIGINT       NOT NULL,
  active_customer_id  BIGINT       NULL,
  rep_id              BIGINT       NOT NULL,
  source              TINYINT      NOT NULL,
  state               TINYINT      NOT NULL,
  reason              VARCHAR(500) NOT NULL,
  currency            CHAR(3)      NOT NULL DEFAULT 'CNY',
  overdue_minor       BIGINT       NOT NULL DEFAULT 0,
  set_on              DATE         NOT NULL,
  released_on         DATE         NULL,
  release_reason      VARCHAR(500) NOT NULL DEFAULT '',
  version             BIGINT       NOT NULL DEFAULT 1,
  created_at          DATETIME(6)  NOT NULL,
  updated_at          DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_credit_holds_active (active_customer_id),
  KEY ix_credit_holds_customer (customer_id, id),
  KEY ix_credit_holds_rep (rep_id, id)
) ENGINE=InnoDB;

-- Cases behind a collections hold.
CREATE TABLE credit_hold_cases (
  hold_id  BIGINT NOT NULL,
  case_id  BIGINT NOT NULL,
  PRIMARY KEY (hold_id, case_id)
) ENGINE=InnoDB;
