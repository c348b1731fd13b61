-- Settings of the targets service: one row, changed with an etag.
CREATE TABLE target_settings (
  id                          TINYINT     NOT NULL PRIMARY KEY,
  default_currency            CHAR(3)     NOT NULL,
  time_zone                   VARCHAR(64) NOT NULL,
  fiscal_year_start_month     TINYINT     NOT NULL,
  year_weights_bp             VARCHAR(64) NOT NULL,
  history_growth_weight_bp    INT         NOT NULL,
  industry_growth_weight_bp   INT         NOT NULL,
  competitor_growth_weight_bp INT         NOT NULL,
  ahead_min_pace_bp           INT         NOT NULL,
  on_track_min_pace_bp        INT         NOT NULL,
  at_risk_min_pace_bp         INT         NOT NULL,
  probation_share_bp          INT         NOT NULL,
  on_leave_share_bp           INT         NOT NULL,
  sales_recognition           TINYINT     NOT NULL,
  version                     BIGINT      NOT NULL,
  updated_at                  DATETIME(6) NOT NULL
) ENGINE=InnoDB;
INSERT INTO target_settings VALUES
  (1, 'CNY', 'Asia/Shanghai', 1, '5000,3000,2000', 5000, 3000, 2000, 11000, 9500, 8000, 5000, 0, 2, 1,
   UTC_TIMESTAMP(6));

-- Industry and benchmark-competitor growth per year (product line 0 = all).
CREATE TABLE market_outlooks (
  id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  fiscal_year          SMALLINT     NOT NULL,
  product_line_id      BIGINT       NOT NULL,
  industry_growth_bp   INT          NOT NULL,
  benchmark_competitor VARCHAR(100) NOT NULL DEFAULT '',
  competitor_growth_bp INT          NOT NULL,
  source_note          VARCHAR(500) NOT NULL DEFAULT '',
  as_of                DATE         NULL,
  version              BIGINT       NOT NULL DEFAULT 1,
  updated_at           DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_market_outlooks (fiscal_year, product_line_id)
) ENGINE=InnoDB;

-- Monthly actuals per rep x product line, kept with the unit the rep was in
-- when they were earned (a later move does not take them along).
CREATE TABLE actual_cells (
  fiscal_year      SMALLINT NOT NULL,
  fiscal_month     TINYINT  NOT NULL,
  rep_id           BIGINT   NOT NULL,
  org_unit_id      BIGINT   NOT NULL,
  product_line_id  BIGINT   NOT NULL,
  sales_amount     BIGINT   NOT NULL DEFAULT 0,
  collected_amount BIGINT   NOT NULL DEFAULT 0,
  gross_profit     BIGINT   NOT NULL DEFAULT 0,
  quantity         BIGINT   NOT NULL DEFAULT 0,
  new_customers    BIGINT   NOT NULL DEFAULT 0,
  booked_amount    BIGINT   NOT NULL DEFAULT 0,
  returned_amount  BIGINT   NOT NULL DEFAULT 0,
  PRIMARY KEY (fiscal_year, fiscal_month, rep_id, product_line_id, org_unit_id),
  KEY ix_actual_cells_unit (org_unit_id, fiscal_year, fiscal_month)
) ENGINE=InnoDB;

-- Imported history rows by their key, so a re-import is recognised.
CREATE TABLE imported_actual_rows (
  row_key          VARCHAR(128) NOT NULL PRIMARY KEY,
  fiscal_year      SMALLINT NOT NULL,
  fiscal_month     TINYINT  NOT NULL,
  rep_id           BIGINT   NOT NULL,
  org_unit_id      BIGINT   NOT NULL,
  product_line_id  BIGINT   NOT NULL,
  sales_amount     BIGINT   NOT NULL,
  collected_amount BIGINT   NOT NULL,
  gross_profit     BIGINT   NOT NULL,
  quantity         BIGINT   NOT NULL,
  new_customers    BIGINT   NOT NULL
) ENGINE=InnoDB;

-- Live actuals from the orders and finance feeds, one row per event line;
-- the source_ref makes a redelivered event count once.
CREATE TABLE actual_entries (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source_ref       VARCHAR(160) NOT NULL,
  kind             TINYINT      NOT NULL,
  business_date    DATE         NOT NULL,
  rep_id           BIGINT       NOT NULL,
  org_unit_id      BIGINT       NOT NULL,
  product_line_id  BIGINT       NOT NULL,
  customer_id      BIGINT       NOT NULL DEFAULT 0,
  sales_amount     BIGINT       NOT NULL DEFAULT 0,
  collected_amount BIGINT       NOT NULL DEFAULT 0,
  gross_profit     BIGINT       NOT NULL DEFAULT 0,
  quantity         BIGINT       NOT NULL DEFAULT 0,
  new_customers    BIGINT       NOT NULL DEFAULT 0,
  booked_amount    BIGINT       NOT NULL DEFAULT 0,
  returned_amount  BIGINT       NOT NULL DEFAULT 0,
  created_at       DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_actual_entries_source (source_ref),
  KEY ix_actual_entries_rep (rep_id, business_date),
  KEY ix_actual_entries_unit (org_unit_id, business_date)
) ENGINE=InnoDB;

-- A plan's head: which version is current, and its etag.
CREATE TABLE plans (
  id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  current_version INT         NOT NULL,
  row_version     BIGINT      NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  updated_at      DATETIME(6) NOT NULL
) ENGINE=InnoDB;

-- Every version of a plan stays readable (计划切勿随便修正: an amendment
-- makes a new version; the signed one is kept as it was).
CREATE TABLE plan_versions (
  plan_id            BIGINT        NOT NULL,
  version            INT           NOT NULL,
  title              VARCHAR(200)  NOT NULL,
  fiscal_year        SMALLINT      NOT NULL,
  metric             TINYINT       NOT NULL,
  currency           CHAR(3)       NOT NULL,
  mode               TINYINT       NOT NULL,
  org_unit_id        BIGINT        NOT NULL,
  total_target       BIGINT        NOT NULL,
  expense_budget     BIGINT        NOT NULL,
  state              TINYINT       NOT NULL,
  response_deadline  DATE          NULL,
  decomposition      BLOB          NULL,
  owner              VARCHAR(255)  NOT NULL DEFAULT '',
  signed_by          VARCHAR(255)  NOT NULL DEFAULT '',
  issued_at          DATETIME(6)   NULL,
  signed_at          DATETIME(6)   NULL,
  amendment_id       BIGINT        NOT NULL DEFAULT 0,
  note               VARCHAR(2000) NOT NULL DEFAULT '',
  next_cell_no       INT           NOT NULL DEFAULT 1,
  created_at         DATETIME(6)   NOT NULL,
  updated_at         DATETIME(6)   NOT NULL,
  PRIMARY KEY (plan_id, version),
  KEY ix_plan_versions_year (fiscal_year, metric)
) ENGINE=InnoDB;

-- The cells of a plan version. cell_no is the cell's number within the
-- version (the root is 0) and parent_cell_no ties the tree together, so a
-- whole decomposition can be written with multi-row inserts.
CREATE TABLE assignments (
  id                   BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_id              BIGINT        NOT NULL,
  plan_version         INT           NOT NULL,
  cell_no              INT           NOT NULL,
  parent_cell_no       INT           NOT NULL,
  cell_key             VARCHAR(255)  NOT NULL,
  depth                SMALLINT      NOT NULL,
  dimension            TINYINT       NOT NULL,
  method               TINYINT       NOT NULL,
  period_kind          TINYINT       NOT NULL,
  period_start         DATE          NOT NULL,
  org_unit_id          BIGINT        NOT NULL,
  rep_id               BIGINT        NOT NULL,
  portfolio_role       TINYINT       NOT NULL,
  product_line_id      BIGINT        NOT NULL,
  customer_id          BIGINT        NOT NULL,
  target               BIGINT        NOT NULL,
  expense              BIGINT        NOT NULL,
  share_bp             INT           NOT NULL,
  history              BIGINT        NOT NULL,
  negotiable           TINYINT       NOT NULL,
  assignee_rep_id      BIGINT        NOT NULL,
  state                TINYINT       NOT NULL,
  counter_target       BIGINT        NULL,
  counter_expense      BIGINT        NULL,
  counter_reason       VARCHAR(2000) NOT NULL DEFAULT '',
  counter_by           VARCHAR(255)  NOT NULL DEFAULT '',
  counter_at           DATETIME(6)   NULL,
  revision_count       INT           NOT NULL DEFAULT 0,
  reduced_by_policy    TINYINT       NOT NULL DEFAULT 0,
  equal_split_fallback TINYINT       NOT NULL DEFAULT 0,
  version              BIGINT        NOT NULL DEFAULT 1,
  updated_at           DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_assignments_cell (plan_id, plan_version, cell_no),
  UNIQUE KEY uk_assignments_key (plan_id, plan_version, cell_key),
  KEY ix_assignments_parent (plan_id, plan_version, parent_cell_no),
  KEY ix_assignments_rep (rep_id, plan_id),
  KEY ix_assignments_unit (org_unit_id, plan_id)
) ENGINE=InnoDB;

-- Who did what to a plan and why (the evidence in a dispute).
CREATE TABLE plan_audit (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_id       BIGINT        NOT NULL,
  plan_version  INT           NOT NULL,
  assignment_id BIGINT        NOT NULL DEFAULT 0,
  at            DATETIME(6)   NOT NULL,
  actor         VARCHAR(255)  NOT NULL,
  action        VARCHAR(64)   NOT NULL,
  from_value    VARCHAR(255)  NOT NULL DEFAULT '',
  to_value      VARCHAR(255)  NOT NULL DEFAULT '',
  reason        VARCHAR(2000) NOT NULL DEFAULT '',
  request_id    VARCHAR(64)   NOT NULL DEFAULT '',
  KEY ix_plan_audit_plan (plan_id, id)
) ENGINE=InnoDB;

-- Amendments of signed plans, approved by the level above.
CREATE TABLE plan_amendments (
  id                   BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_id              BIGINT        NOT NULL,
  base_version         INT           NOT NULL,
  new_version          INT           NOT NULL DEFAULT 0,
  changes              BLOB          NOT NULL,
  reason               VARCHAR(2000) NOT NULL,
  approver_org_unit_id BIGINT        NOT NULL,
  state                TINYINT       NOT NULL,
  requested_by         VARCHAR(255)  NOT NULL,
  decided_by           VARCHAR(255)  NOT NULL DEFAULT '',
  decision_reason      VARCHAR(2000) NOT NULL DEFAULT '',
  effective_date       DATE          NULL,
  version              BIGINT        NOT NULL DEFAULT 1,
  created_at           DATETIME(6)   NOT NULL,
  decided_at           DATETIME(6)   NULL,
  KEY ix_plan_amendments_plan (plan_id, id)
) ENGINE=InnoDB;

-- Expenses booked against the expense budget (费用指标).
CREATE TABLE expenses (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rep_id          BIGINT        NOT NULL,
  org_unit_id     BIGINT        NOT NULL,
  product_line_id BIGINT        NOT NULL DEFAULT 0,
  customer_id     BIGINT        NOT NULL DEFAULT 0,
  expense_date    DATE          NOT NULL,
  currency        CHAR(3)       NOT NULL,
  amount          BIGINT        NOT NULL,
  category        TINYINT       NOT NULL,
  description     VARCHAR(500)  NOT NULL DEFAULT '',
  external_ref    VARCHAR(64)   NOT NULL DEFAULT '',
  state           TINYINT       NOT NULL,
  reversal_reason VARCHAR(500)  NOT NULL DEFAULT '',
  recorded_by     VARCHAR(255)  NOT NULL DEFAULT '',
  version         BIGINT        NOT NULL DEFAULT 1,
  created_at      DATETIME(6)   NOT NULL,
  KEY ix_expenses_rep (rep_id, expense_date),
  KEY ix_expenses_unit (org_unit_id, expense_date)
) ENGINE=InnoDB;
