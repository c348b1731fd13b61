-- Progress reviews (述职督导, seed 000 第六步), the reversal of expenses, and
-- what an actual entry traces back to (issue 17).

-- A rep's progress review as the manager recorded it. The snapshot is the
-- progress the review judged, frozen on the day: later actuals, amendments
-- or moves do not change what the review was about.
CREATE TABLE progress_reviews (
  -- Server-assigned id.
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  -- The rep reviewed.
  rep_id            BIGINT       NOT NULL,
  -- The rep's unit on the review date (the review stays with it).
  org_unit_id       BIGINT       NOT NULL,
  -- The period reviewed: kind by name (WEEK or MONTH) and first day.
  period_kind       VARCHAR(32)  NOT NULL,
  period_start      DATE         NOT NULL,
  -- The day of the review, the as-of date of the snapshot.
  review_date       DATE         NOT NULL,
  -- The rep's own account of results and obstacles (up to 4000 characters).
  rep_summary       TEXT         NOT NULL,
  -- The manager's assessment and guidance (up to 4000 characters).
  manager_comments  TEXT         NOT NULL,
  -- The next review, when one was agreed.
  next_review_date  DATE         NULL,
  -- The metric of the snapshot, by name (SALES_AMOUNT, ...).
  metric            VARCHAR(32)  NOT NULL,
  -- The figures judged: a serialized sales.targets.v1.Progress.
  progress_snapshot BLOB         NOT NULL,
  -- Who recorded it (an encoded principal).
  reviewer          VARCHAR(255) NOT NULL,
  -- The request that recorded it.
  request_id        VARCHAR(64)  NOT NULL DEFAULT '',
  -- When it was recorded (UTC).
  created_at        DATETIME(6)  NOT NULL,
  KEY ix_progress_reviews_rep (rep_id, review_date),
  KEY ix_progress_reviews_unit (org_unit_id, review_date)
) ENGINE=InnoDB;

-- The actions agreed in a review, in the order they were given.
CREATE TABLE progress_review_actions (
  -- The review.
  review_id BIGINT       NOT NULL,
  -- Position in the review's list, from 0.
  seq       INT          NOT NULL,
  -- The action (up to 500 characters).
  action    VARCHAR(500) NOT NULL,
  PRIMARY KEY (review_id, seq)
) ENGINE=InnoDB;

-- A reversal is recorded on the expense, never a delete: who reversed it,
-- when, and under which request (the reason is reversal_reason). Rows
-- posted before this migration have none.
ALTER TABLE expenses
  ADD COLUMN reversed_by VARCHAR(255) NOT NULL DEFAULT '',
  ADD COLUMN reversed_at DATETIME(6) NULL,
  ADD COLUMN reversal_request_id VARCHAR(64) NOT NULL DEFAULT '';

-- What a live entry traces back to in orders and finance (0 when not
-- applicable, and for entries credited before this migration).
ALTER TABLE actual_entries
  ADD COLUMN order_id BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN shipment_id BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN payment_id BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN invoice_id BIGINT NOT NULL DEFAULT 0,
  ADD KEY ix_actual_entries_order (order_id);

-- Imported history becomes traceable like live actuals: one IMPORTED entry
-- per import row, dated the first day of its month, its row key as the
-- source ref. Progress keeps reading imported figures from the monthly
-- cells only (ActualsStore::Sum leaves IMPORTED entries out). Rows already
-- imported are copied once, skipping a row key a live entry already holds.
INSERT INTO actual_entries (source_ref, kind, business_date, rep_id, org_unit_id, product_line_id, customer_id,
                            sales_amount, collected_amount, gross_profit, quantity, new_customers, booked_amount,
                            returned_amount, created_at)
SELECT i.row_key, 'IMPORTED', MAKEDATE(i.fiscal_year, 1) + INTERVAL (i.fiscal_month - 1) MONTH, i.rep_id,
       i.org_unit_id, i.product_line_id, 0, i.sales_amount, i.collected_amount, i.gross_profit, i.quantity,
       i.new_customers, 0, 0, UTC_TIMESTAMP(6)
FROM imported_actual_rows i
WHERE NOT EXISTS (SELECT 1 FROM actual_entries e WHERE e.source_ref = i.row_key);
