-- Commissions (提成 [003 销售方案]): plans as configuration with effective
-- dates, monthly statements per rep with every line behind the figure,
-- uncollected-amount deductions and the year-end holdback release. Money in
-- fen of the company currency.

-- Plan versions. The numbers (tiers, splits, windows, floors, manager
-- rates, product lines) are kept as the CommissionPlan message in `body`
-- so the plan stays configuration; the columns are what queries select on.
-- state: CommissionPlanState.
CREATE TABLE commission_plans (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name            VARCHAR(100) NOT NULL,
  plan_version    INT          NOT NULL,
  state           TINYINT      NOT NULL,
  effective_from  DATE         NOT NULL,
  effective_to    DATE         NULL,
  org_unit_id     BIGINT       NOT NULL DEFAULT 0,
  rep_grade       VARCHAR(32)  NOT NULL DEFAULT '',
  body            BLOB         NOT NULL COMMENT 'serialized sales.finance.v1.CommissionPlan',
  version         BIGINT       NOT NULL DEFAULT 1,
  created_at      DATETIME(6)  NOT NULL,
  updated_at      DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_commission_plans_name_version (name, plan_version),
  KEY ix_commission_plans_state (state, effective_from)
) ENGINE=InnoDB;

-- One statement per rep and month. The figures are columns (reports sum
-- them); the lines are kept as the statement message in `body`.
-- state: CommissionStatementState.
CREATE TABLE commission_statements (
  id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rep_id               BIGINT       NOT NULL,
  org_unit_id          BIGINT       NOT NULL DEFAULT 0,
  month                DATE         NOT NULL COMMENT 'first day of the month',
  plan_id              BIGINT       NOT NULL,
  state                TINYINT      NOT NULL,
  attainment_bp        INT          NOT NULL,
  total_minor          BIGINT       NOT NULL,
  payable_now_minor    BIGINT       NOT NULL,
  held_back_minor      BIGINT       NOT NULL,
  holdback_released_minor BIGINT    NOT NULL DEFAULT 0,
  body                 MEDIUMBLOB   NOT NULL COMMENT 'serialized sales.finance.v1.CommissionStatement',
  paid_on              DATE         NULL,
  version              BIGINT       NOT NULL DEFAULT 1,
  computed_at          DATETIME(6)  NOT NULL,
  updated_at           DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_commission_statements_rep_month (rep_id, month),
  KEY ix_commission_statements_month (month, rep_id),
  KEY ix_commission_statements_unit (org_unit_id, month)
) ENGINE=InnoDB;

-- Amounts uncollected more than late_credit_months after due, held out of
-- a rep's commission until collected. state: CommissionDeductionState.
CREATE TABLE commission_deductions (
  id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rep_id          BIGINT      NOT NULL,
  invoice_id      BIGINT      NOT NULL,
  customer_id     BIGINT      NOT NULL,
  amount_minor    BIGINT      NOT NULL COMMENT 'uncollected when the deduction started',
  deducted_minor  BIGINT      NOT NULL DEFAULT 0,
  returned_minor  BIGINT      NOT NULL DEFAULT 0,
  state           TINYINT     NOT NULL,
  started_month   DATE        NOT NULL,
  returned_month  DATE        NULL,
  updated_at      DATETIME(6) NOT NULL,
  UNIQUE KEY uk_commission_deductions_rep_invoice (rep_id, invoice_id),
  KEY ix_commission_deductions_state (state, rep_id)
) ENGINE=InnoDB;

-- What each statement deducted or returned, so a draft recomputed undoes
-- its own moves first.
CREATE TABLE commission_deduction_moves (
  statement_id    BIGINT NOT NULL,
  deduction_id    BIGINT NOT NULL,
  deducted_minor  BIGINT NOT NULL,
  returned_minor  BIGINT NOT NULL,
  PRIMARY KEY (statement_id, deduction_id)
) ENGINE=InnoDB;

-- Year-end release of the 10 % holdback, carried by one month's statement.
CREATE TABLE commission_holdback_releases (
  year           INT         NOT NULL,
  rep_id         BIGINT      NOT NULL,
  release_month  DATE        NOT NULL,
  amount_minor   BIGINT      NOT NULL,
  created_at     DATETIME(6) NOT NULL,
  PRIMARY KEY (year, rep_id),
  KEY ix_holdback_release_month (release_month, rep_id)
) ENGINE=InnoDB;
