-- Receivables core: billable shipments, invoices, payment applications,
-- memos, refunds, the per-customer summary behind the credit check, the
-- customer ledger and statements. All money is BIGINT minor units (fen) of
-- the company currency unless a column says otherwise. The collections and
-- commissions parts of this service (V020..V039) read these tables; the
-- column meanings below are their contract, so columns are only ever added.

-- Gap-free document numbering (发票号连续): one counter row per document
-- kind and calendar year. The issuing transaction locks the row, takes
-- last_sequence + 1 and writes it back, so a failed or rolled-back issue
-- gives its number back and two issues can never take the same number.
CREATE TABLE document_counters (
  kind           VARCHAR(16)  NOT NULL COMMENT 'INV, CM or DM',
  year           INT          NOT NULL COMMENT 'calendar year of the document date',
  last_sequence  BIGINT       NOT NULL DEFAULT 0 COMMENT 'highest number issued; next is +1',
  PRIMARY KEY (kind, year)
) ENGINE=InnoDB;

-- VAT rates in force from a date; product_line_id 0 is the company default.
-- With no row at all the default is 13 % (1300 bp).
CREATE TABLE tax_rates (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  product_line_id  BIGINT       NOT NULL DEFAULT 0 COMMENT '0 = company default',
  rate_bp          INT          NOT NULL COMMENT 'basis points, 1300 = 13 %',
  effective_from   DATE         NOT NULL,
  reason           VARCHAR(500) NOT NULL,
  created_by       BIGINT       NOT NULL DEFAULT 0,
  created_at       DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_tax_rates_line_from (product_line_id, effective_from),
  CONSTRAINT ck_tax_rates_rate CHECK (rate_bp BETWEEN 0 AND 10000)
) ENGINE=InnoDB;

-- One shipped order line that can be invoiced, created exactly once from an
-- orders-svc OrderShippedEvent (source_event_id + order_line_id is unique).
-- billed_quantity counts quantities on open requests and issued invoices;
-- invoiced_quantity only issued ones; returned_quantity came back before it
-- was invoiced. Invariant: billed_quantity + returned_quantity <= shipped_quantity.
CREATE TABLE billable_lines (
  id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source_event_id    VARCHAR(64)  NOT NULL COMMENT 'orders-svc event id (dedup key)',
  order_id           BIGINT       NOT NULL,
  order_number       VARCHAR(64)  NOT NULL DEFAULT '',
  order_line_id      BIGINT       NOT NULL,
  shipment_id        BIGINT       NOT NULL,
  shipment_number    VARCHAR(64)  NOT NULL DEFAULT '',
  customer_id        BIGINT       NOT NULL,
  rep_id             BIGINT       NOT NULL COMMENT 'credited rep from the order',
  org_unit_id        BIGINT       NOT NULL,
  product_id         BIGINT       NOT NULL,
  sku                VARCHAR(64)  NOT NULL,
  product_line_id    BIGINT       NOT NULL,
  commissionable     TINYINT      NOT NULL,
  unit               VARCHAR(16)  NOT NULL,
  currency           CHAR(3)      NOT NULL,
  unit_price_minor   BIGINT       NOT NULL COMMENT 'net of discount, excl. VAT',
  shipped_quantity   BIGINT       NOT NULL,
  billed_quantity    BIGINT       NOT NULL DEFAULT 0,
  invoiced_quantity  BIGINT       NOT NULL DEFAULT 0,
  returned_quantity  BIGINT       NOT NULL DEFAULT 0,
  shipped_on         DATE         NOT NULL,
  version            BIGINT       NOT NULL DEFAULT 1,
  created_at         DATETIME(6)  NOT NULL,
  updated_at         DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_billable_event_line (source_event_id, order_line_id),
  KEY ix_billable_customer (customer_id, shipped_on),
  KEY ix_billable_shipment (shipment_id, order_line_id),
  KEY ix_billable_order_line (order_line_id),
  CONSTRAINT ck_billable_qty CHECK (shipped_quantity > 0 AND billed_quantity >= 0
    AND invoiced_quantity >= 0 AND invoiced_quantity <= billed_quantity
    AND returned_quantity >= 0 AND billed_quantity + returned_quantity <= shipped_quantity)
) ENGINE=InnoDB;

-- Customer invoices (销售发票). state: 1 REQUESTED, 2 REVIEWED, 3 REJECTED,
-- 4 WITHDRAWN, 5 ISSUED, 6 PARTIALLY_PAID, 7 PAID, 8 CANCELLED (the
-- InvoiceState enum). An invoice is open receivable from issue:
-- balance_minor = gross_total_minor - credited_minor - paid_minor, kept in
-- the same transaction as every application, credit and reversal.
CREATE TABLE invoices (
  id                         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number                     VARCHAR(32)  NULL COMMENT 'INV-YYYY-NNNNNN, NULL until issued',
  number_year                INT          NOT NULL DEFAULT 0,
  number_sequence            BIGINT       NOT NULL DEFAULT 0 COMMENT 'gap-free per year from 1',
  customer_id                BIGINT       NOT NULL,
  rep_id                     BIGINT       NOT NULL COMMENT 'credited rep (collections, commission)',
  org_unit_id                BIGINT       NOT NULL,
  state                      TINYINT      NOT NULL,
  currency                   CHAR(3)      NOT NULL,
  net_total_minor            BIGINT       NOT NULL DEFAULT 0,
  tax_total_minor            BIGINT       NOT NULL DEFAULT 0,
  gross_total_minor          BIGINT       NOT NULL DEFAULT 0 COMMENT 'the receivable',
  paid_minor                 BIGINT       NOT NULL DEFAULT 0 COMMENT 'active payment applications',
  credited_minor             BIGINT       NOT NULL DEFAULT 0 COMMENT 'issued credit memos applied',
  balance_minor              BIGINT       NOT NULL DEFAULT 0 COMMENT 'open balance; 0 before issue',
  invoice_date               DATE         NULL,
  payment_terms_days         INT          NOT NULL DEFAULT 0,
  due_on                     DATE         NULL COMMENT 'invoice_date + payment_terms_days',
  receipt_signed_on          DATE         NULL,
  receipt_signed_by          VARCHAR(128) NOT NULL DEFAULT '',
  note                       VARCHAR(1000) NOT NULL DEFAULT '',
  state_reason               VARCHAR(500) NOT NULL DEFAULT '',
  cancelling_credit_memo_id  BIGINT       NOT NULL DEFAULT 0,
  requested_by               BIGINT       NOT NULL DEFAULT 0,
  reviewed_by                BIGINT       NOT NULL DEFAULT 0,
  issued_by                  BIGINT       NOT NULL DEFAULT 0,
  version                    BIGINT       NOT NULL DEFAULT 1,
  created_at                 DATETIME(6)  NOT NULL,
  updated_at                 DATETIME(6)  NOT NULL,
  issued_at                  DATETIME(6)  NULL,
  UNIQUE KEY uk_invoices_number (number),
  KEY ix_invoices_customer_open (customer_id, balance_minor, due_on),
  KEY ix_invoices_rep (rep_id, state, due_on),
  KEY ix_invoices_due (state, due_on),
  KEY ix_invoices_state (state, id),
  CONSTRAINT ck_invoices_balance CHECK (balance_minor >= 0 AND paid_minor >= 0 AND credited_minor >= 0)
) ENGINE=InnoDB;

-- Lines of an invoice, copied from billable lines. Tax is rounded half up
-- per line in fen; gross = net + tax.
CREATE TABLE invoice_lines (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id        BIGINT       NOT NULL,
  billable_line_id  BIGINT       NOT NULL,
  order_id          BIGINT       NOT NULL,
  shipment_id       BIGINT       NOT NULL,
  product_id        BIGINT       NOT NULL,
  sku               VARCHAR(64)  NOT NULL,
  product_line_id   BIGINT       NOT NULL COMMENT 'targets-svc product line',
  commissionable    TINYINT      NOT NULL COMMENT '1 when the SKU earns commission',
  description       VARCHAR(200) NOT NULL,
  unit              VARCHAR(16)  NOT NULL,
  quantity          BIGINT       NOT NULL,
  unit_price_minor  BIGINT       NOT NULL,
  net_minor         BIGINT       NOT NULL,
  tax_rate_bp       INT          NOT NULL COMMENT '0 until issued unless overridden',
  tax_rate_fixed    TINYINT      NOT NULL DEFAULT 0 COMMENT '1 when the requester set the rate',
  tax_minor         BIGINT       NOT NULL DEFAULT 0,
  gross_minor       BIGINT       NOT NULL DEFAULT 0,
  credited_minor    BIGINT       NOT NULL DEFAULT 0 COMMENT 'gross credited by credit memos',
  KEY ix_invoice_lines_invoice (invoice_id),
  KEY ix_invoice_lines_billable (billable_line_id),
  CONSTRAINT ck_invoice_lines_qty CHECK (quantity > 0)
) ENGINE=InnoDB;

-- Payments gain what applications, refunds, foreign currency and dishonor
-- need. settlement_* is the company-currency value; applied + unapplied +
-- refunded = settlement_amount always. state: 1 UNAPPLIED,
-- 2 PARTIALLY_APPLIED, 3 SETTLED, 4 DISHONORED (PaymentState).
ALTER TABLE payments
  DROP CONSTRAINT ck_payments_unapplied,
  ADD COLUMN state               TINYINT      NOT NULL DEFAULT 1 AFTER unapplied_minor,
  ADD COLUMN exchange_rate_bp    INT          NOT NULL DEFAULT 0 COMMENT 'CNY per unit x 10000; 0 = company currency',
  ADD COLUMN settlement_currency CHAR(3)      NOT NULL DEFAULT 'CNY',
  ADD COLUMN settlement_minor    BIGINT       NOT NULL DEFAULT 0 COMMENT 'amount in company currency',
  ADD COLUMN applied_minor       BIGINT       NOT NULL DEFAULT 0,
  ADD COLUMN refunded_minor      BIGINT       NOT NULL DEFAULT 0,
  ADD COLUMN payer_name          VARCHAR(200) NOT NULL DEFAULT '',
  ADD COLUMN payer_account       VARCHAR(64)  NOT NULL DEFAULT '',
  ADD COLUMN instrument_number   VARCHAR(64)  NOT NULL DEFAULT '',
  ADD COLUMN note                VARCHAR(1000) NOT NULL DEFAULT '',
  ADD COLUMN rep_id              BIGINT       NOT NULL DEFAULT 0,
  ADD COLUMN dishonor_reason     VARCHAR(500) NOT NULL DEFAULT '',
  ADD COLUMN dishonored_on       DATE         NULL,
  ADD KEY ix_payments_rep (rep_id, received_on);
-- Payments recorded before this migration were all in the company currency
-- and untouched: their settlement value is their amount.
UPDATE payments SET settlement_minor = amount_minor, settlement_currency = currency,
  unapplied_minor = amount_minor WHERE settlement_minor = 0;
ALTER TABLE payments
  ADD CONSTRAINT ck_payments_settlement CHECK (unapplied_minor >= 0 AND applied_minor >= 0
    AND refunded_minor >= 0);

-- A payment applied to one invoice or debit memo (核销). rep_id/org_unit_id
-- are the document's; applied_on is the payment's received_on; days_past_due
-- = applied_on - due_on (<= 0 on time). state: 1 ACTIVE, 2 REVERSED.
-- Collections and commissions count ACTIVE rows.
CREATE TABLE payment_applications (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  payment_id      BIGINT       NOT NULL,
  customer_id     BIGINT       NOT NULL,
  rep_id          BIGINT       NOT NULL,
  org_unit_id     BIGINT       NOT NULL,
  invoice_id      BIGINT       NULL,
  debit_memo_id   BIGINT       NULL,
  currency        CHAR(3)      NOT NULL,
  amount_minor    BIGINT       NOT NULL,
  applied_on      DATE         NOT NULL,
  due_on          DATE         NOT NULL,
  days_past_due   INT          NOT NULL,
  state           TINYINT      NOT NULL DEFAULT 1,
  reversal_reason VARCHAR(500) NOT NULL DEFAULT '',
  reversed_on     DATE         NULL,
  created_at      DATETIME(6)  NOT NULL,
  KEY ix_applications_payment (payment_id),
  KEY ix_applications_invoice (invoice_id),
  KEY ix_applications_debit_memo (debit_memo_id),
  KEY ix_applications_customer (customer_id, applied_on),
  KEY ix_applications_rep (rep_id, applied_on),
  KEY ix_applications_applied (applied_on),
  CONSTRAINT ck_applications_amount CHECK (amount_minor > 0),
  CONSTRAINT ck_applications_target CHECK ((invoice_id IS NULL) <> (debit_memo_id IS NULL))
) ENGINE=InnoDB;

-- An application split by product line in proportion to the document's
-- line gross amounts (largest remainder); rows of one application sum
-- exactly to its amount. commissionable_minor is the part from
-- commissionable lines.
CREATE TABLE payment_application_lines (
  application_id       BIGINT NOT NULL,
  product_line_id      BIGINT NOT NULL,
  amount_minor         BIGINT NOT NULL,
  commissionable_minor BIGINT NOT NULL,
  PRIMARY KEY (application_id, product_line_id)
) ENGINE=InnoDB;

-- Money paid back from a payment's unapplied remainder.
CREATE TABLE refunds (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  payment_id      BIGINT       NOT NULL,
  customer_id     BIGINT       NOT NULL,
  currency        CHAR(3)      NOT NULL,
  amount_minor    BIGINT       NOT NULL,
  refunded_on     DATE         NOT NULL,
  bank_reference  VARCHAR(64)  NOT NULL,
  reason          VARCHAR(500) NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_refunds_bank_reference (bank_reference),
  KEY ix_refunds_payment (payment_id),
  KEY ix_refunds_customer (customer_id, refunded_on),
  CONSTRAINT ck_refunds_amount CHECK (amount_minor > 0)
) ENGINE=InnoDB;

-- Credit memos (贷项通知单). state: 1 PENDING, 2 ISSUED, 3 SETTLED,
-- 4 VOIDED (MemoState). source: CreditMemoSource. unapplied_minor is the
-- part of an issued memo not yet applied to documents (customer credit).
CREATE TABLE credit_memos (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number           VARCHAR(32)  NULL,
  number_year      INT          NOT NULL DEFAULT 0,
  number_sequence  BIGINT       NOT NULL DEFAULT 0,
  customer_id      BIGINT       NOT NULL,
  rep_id           BIGINT       NOT NULL,
  org_unit_id      BIGINT       NOT NULL,
  invoice_id       BIGINT       NOT NULL DEFAULT 0,
  source           TINYINT      NOT NULL,
  return_id        BIGINT       NOT NULL DEFAULT 0,
  order_id         BIGINT       NOT NULL DEFAULT 0,
  source_event_id  VARCHAR(64)  NULL COMMENT 'orders-svc event for RETURN memos',
  currency         CHAR(3)      NOT NULL,
  net_total_minor  BIGINT       NOT NULL,
  tax_total_minor  BIGINT       NOT NULL,
  total_minor      BIGINT       NOT NULL,
  unapplied_minor  BIGINT       NOT NULL DEFAULT 0,
  state            TINYINT      NOT NULL,
  memo_date        DATE         NULL,
  reason           VARCHAR(500) NOT NULL,
  void_reason      VARCHAR(500) NOT NULL DEFAULT '',
  version          BIGINT       NOT NULL DEFAULT 1,
  created_at       DATETIME(6)  NOT NULL,
  updated_at       DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_credit_memos_number (number),
  UNIQUE KEY uk_credit_memos_event (source_event_id),
  KEY ix_credit_memos_customer (customer_id, state),
  KEY ix_credit_memos_invoice (invoice_id),
  KEY ix_credit_memos_rep (rep_id, memo_date),
  CONSTRAINT ck_credit_memos_amounts CHECK (total_minor > 0 AND unapplied_minor >= 0
    AND unapplied_minor <= total_minor)
) ENGINE=InnoDB;

-- Debit memos (借项通知单): receivables outside an invoice.
CREATE TABLE debit_memos (
  id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number              VARCHAR(32)  NULL,
  number_year         INT          NOT NULL DEFAULT 0,
  number_sequence     BIGINT       NOT NULL DEFAULT 0,
  customer_id         BIGINT       NOT NULL,
  rep_id              BIGINT       NOT NULL,
  org_unit_id         BIGINT       NOT NULL,
  invoice_id          BIGINT       NOT NULL DEFAULT 0,
  source              TINYINT      NOT NULL,
  currency            CHAR(3)      NOT NULL,
  net_total_minor     BIGINT       NOT NULL,
  tax_total_minor     BIGINT       NOT NULL,
  total_minor         BIGINT       NOT NULL,
  paid_minor          BIGINT       NOT NULL DEFAULT 0 COMMENT 'payments and credits applied',
  balance_minor       BIGINT       NOT NULL DEFAULT 0 COMMENT 'open balance; 0 before issue',
  state               TINYINT      NOT NULL,
  memo_date           DATE         NULL,
  payment_terms_days  INT          NOT NULL DEFAULT 0,
  due_on              DATE         NULL,
  reason              VARCHAR(500) NOT NULL,
  void_reason         VARCHAR(500) NOT NULL DEFAULT '',
  version             BIGINT       NOT NULL DEFAULT 1,
  created_at          DATETIME(6)  NOT NULL,
  updated_at          DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_debit_memos_number (number),
  KEY ix_debit_memos_customer_open (customer_id, balance_minor, due_on),
  KEY ix_debit_memos_due (state, due_on),
  CONSTRAINT ck_debit_memos_amounts CHECK (total_minor > 0 AND balance_minor >= 0 AND paid_minor >= 0)
) ENGINE=InnoDB;

-- Lines of credit memos (memo_kind 'CM') and debit memos ('DM').
CREATE TABLE memo_lines (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  memo_kind        CHAR(2)      NOT NULL COMMENT 'CM or DM',
  memo_id          BIGINT       NOT NULL,
  invoice_line_id  BIGINT       NOT NULL DEFAULT 0,
  billable_line_id BIGINT       NOT NULL DEFAULT 0 COMMENT 'for returns: the shipped line',
  product_id       BIGINT       NOT NULL DEFAULT 0,
  product_line_id  BIGINT       NOT NULL DEFAULT 0,
  commissionable   TINYINT      NOT NULL DEFAULT 0,
  quantity         BIGINT       NOT NULL DEFAULT 0,
  description      VARCHAR(200) NOT NULL,
  net_minor        BIGINT       NOT NULL,
  tax_rate_bp      INT          NOT NULL,
  tax_minor        BIGINT       NOT NULL,
  gross_minor      BIGINT       NOT NULL,
  KEY ix_memo_lines_memo (memo_kind, memo_id),
  KEY ix_memo_lines_invoice_line (invoice_line_id)
) ENGINE=InnoDB;

-- A credit memo's part applied to an invoice or debit memo.
CREATE TABLE credit_applications (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  credit_memo_id  BIGINT       NOT NULL,
  customer_id     BIGINT       NOT NULL,
  invoice_id      BIGINT       NULL,
  debit_memo_id   BIGINT       NULL,
  currency        CHAR(3)      NOT NULL,
  amount_minor    BIGINT       NOT NULL,
  applied_on      DATE         NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  KEY ix_credit_applications_memo (credit_memo_id),
  KEY ix_credit_applications_invoice (invoice_id),
  CONSTRAINT ck_credit_applications_amount CHECK (amount_minor > 0)
) ENGINE=InnoDB;

-- The maintained per-customer summary (客户往来汇总) behind the credit check,
-- updated in the same transaction as every posting. Identities:
--   open_receivable = invoiced - credited + debited - applied
--   payments_received = applied + on_account + refunded
-- on_hold/hold_reason are set by the collections ladder (credit holds).
CREATE TABLE customer_accounts (
  customer_id              BIGINT       NOT NULL PRIMARY KEY,
  rep_id                   BIGINT       NOT NULL DEFAULT 0 COMMENT 'rep of the latest posting',
  org_unit_id              BIGINT       NOT NULL DEFAULT 0,
  currency                 CHAR(3)      NOT NULL DEFAULT 'CNY',
  invoiced_minor           BIGINT       NOT NULL DEFAULT 0 COMMENT 'gross of issued invoices',
  credited_minor           BIGINT       NOT NULL DEFAULT 0 COMMENT 'issued credit memos',
  debited_minor            BIGINT       NOT NULL DEFAULT 0 COMMENT 'issued debit memos',
  applied_minor            BIGINT       NOT NULL DEFAULT 0 COMMENT 'active payment applications',
  open_receivable_minor    BIGINT       NOT NULL DEFAULT 0 COMMENT 'sum of open document balances',
  payments_received_minor  BIGINT       NOT NULL DEFAULT 0 COMMENT 'non-dishonored payments',
  on_account_minor         BIGINT       NOT NULL DEFAULT 0 COMMENT 'payments unapplied (暂收款)',
  refunded_minor           BIGINT       NOT NULL DEFAULT 0,
  unapplied_credit_minor   BIGINT       NOT NULL DEFAULT 0 COMMENT 'issued credit memos not applied',
  shipped_unbilled_minor   BIGINT       NOT NULL DEFAULT 0 COMMENT 'shipped, not invoiced, net + default VAT',
  open_document_count      INT          NOT NULL DEFAULT 0,
  on_hold                  TINYINT      NOT NULL DEFAULT 0,
  hold_reason              VARCHAR(500) NOT NULL DEFAULT '',
  version                  BIGINT       NOT NULL DEFAULT 1,
  updated_at               DATETIME(6)  NOT NULL,
  KEY ix_customer_accounts_rep (rep_id)
) ENGINE=InnoDB;

-- Every movement of a customer's account, append-only (往来账). debit raises
-- what the customer owes (invoice, debit memo, reversed application,
-- refund); credit lowers it (payment, credit memo). Statements are built
-- from it.
CREATE TABLE ledger_entries (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id   BIGINT       NOT NULL,
  entry_date    DATE         NOT NULL,
  kind          TINYINT      NOT NULL COMMENT 'DocumentKind',
  document_id   BIGINT       NOT NULL,
  reference     VARCHAR(64)  NOT NULL,
  debit_minor   BIGINT       NOT NULL DEFAULT 0,
  credit_minor  BIGINT       NOT NULL DEFAULT 0,
  description   VARCHAR(200) NOT NULL,
  posted_at     DATETIME(6)  NOT NULL,
  KEY ix_ledger_customer (customer_id, entry_date, id)
) ENGINE=InnoDB;

-- Statements of account (对帐单) with the customer's confirmation.
-- state: StatementState.
CREATE TABLE statements (
  id                     BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id            BIGINT       NOT NULL,
  rep_id                 BIGINT       NOT NULL,
  period_start           DATE         NOT NULL,
  period_end             DATE         NOT NULL,
  currency               CHAR(3)      NOT NULL,
  opening_minor          BIGINT       NOT NULL,
  debits_minor           BIGINT       NOT NULL,
  credits_minor          BIGINT       NOT NULL,
  closing_minor          BIGINT       NOT NULL,
  last_entry_id          BIGINT       NOT NULL COMMENT 'ledger entries up to this id are on it',
  ageing_current_minor   BIGINT       NOT NULL DEFAULT 0,
  ageing_1_30_minor      BIGINT       NOT NULL DEFAULT 0,
  ageing_31_60_minor     BIGINT       NOT NULL DEFAULT 0,
  ageing_61_90_minor     BIGINT       NOT NULL DEFAULT 0,
  ageing_91_180_minor    BIGINT       NOT NULL DEFAULT 0,
  ageing_over_180_minor  BIGINT       NOT NULL DEFAULT 0,
  state                  TINYINT      NOT NULL,
  sent_on                DATE         NULL,
  confirmed_on           DATE         NULL,
  confirmed_by           VARCHAR(128) NOT NULL DEFAULT '',
  stated_balance_minor   BIGINT       NULL,
  customer_comment       VARCHAR(1000) NOT NULL DEFAULT '',
  resolution             VARCHAR(1000) NOT NULL DEFAULT '',
  version                BIGINT       NOT NULL DEFAULT 1,
  created_at             DATETIME(6)  NOT NULL,
  updated_at             DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_statements_customer_period (customer_id, period_start, period_end),
  KEY ix_statements_rep (rep_id, period_end)
) ENGINE=InnoDB;

-- Who changed what, from which state to which, and why (audit trail).
CREATE TABLE finance_audit (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  record_type  VARCHAR(32)  NOT NULL COMMENT 'Invoice, Payment, CreditMemo, ...',
  record_id    BIGINT       NOT NULL,
  action       VARCHAR(32)  NOT NULL,
  from_state   VARCHAR(32)  NOT NULL DEFAULT '',
  to_state     VARCHAR(32)  NOT NULL DEFAULT '',
  reason       VARCHAR(500) NOT NULL DEFAULT '',
  actor_user   VARCHAR(64)  NOT NULL DEFAULT '',
  actor_role   VARCHAR(32)  NOT NULL DEFAULT '',
  request_id   VARCHAR(64)  NOT NULL DEFAULT '',
  at           DATETIME(6)  NOT NULL,
  KEY ix_finance_audit_record (record_type, record_id, id)
) ENGINE=InnoDB;
