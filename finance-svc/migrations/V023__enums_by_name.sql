-- States and kinds stored by name (issue 15): the proto enum value's name
-- without its prefix ("ISSUED" for INVOICE_STATE_ISSUED), as orders-svc
-- stores them: readable in SQL and stable when enum values are added.
-- Each TINYINT column becomes VARCHAR(32) (MariaDB turns 5 into '5'), then
-- each number is rewritten to its name in the enum the column holds (named
-- above each table; numbers from protos/sales/finance/v1). MODIFY keeps the
-- column's indexes; it restates NOT NULL, and a column with a default gets
-- the name of its old default.

-- payments.method: PaymentMethod; payments.state: PaymentState.
ALTER TABLE payments
  MODIFY method VARCHAR(32) NOT NULL,
  MODIFY state  VARCHAR(32) NOT NULL DEFAULT 'UNAPPLIED';
UPDATE payments SET
  method = CASE method WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'TRANSFER' WHEN '2' THEN 'CHEQUE'
    WHEN '3' THEN 'BANK_ACCEPTANCE_BILL' ELSE method END,
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'UNAPPLIED' WHEN '2' THEN 'PARTIALLY_APPLIED'
    WHEN '3' THEN 'SETTLED' WHEN '4' THEN 'DISHONORED' ELSE state END;

-- invoices.state: InvoiceState.
ALTER TABLE invoices
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE invoices SET
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'REQUESTED' WHEN '2' THEN 'REVIEWED'
    WHEN '3' THEN 'REJECTED' WHEN '4' THEN 'WITHDRAWN' WHEN '5' THEN 'ISSUED' WHEN '6' THEN 'PARTIALLY_PAID'
    WHEN '7' THEN 'PAID' WHEN '8' THEN 'CANCELLED' ELSE state END;

-- payment_applications.state: ApplicationState.
ALTER TABLE payment_applications
  MODIFY state VARCHAR(32) NOT NULL DEFAULT 'ACTIVE';
UPDATE payment_applications SET
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'ACTIVE' WHEN '2' THEN 'REVERSED' ELSE state END;

-- credit_memos.source: CreditMemoSource; credit_memos.state: MemoState.
ALTER TABLE credit_memos
  MODIFY source VARCHAR(32) NOT NULL,
  MODIFY state  VARCHAR(32) NOT NULL;
UPDATE credit_memos SET
  source = CASE source WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'RETURN' WHEN '2' THEN 'INVOICE_CANCELLATION'
    WHEN '3' THEN 'PRICE_ADJUSTMENT' WHEN '4' THEN 'OTHER' ELSE source END,
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PENDING' WHEN '2' THEN 'ISSUED'
    WHEN '3' THEN 'SETTLED' WHEN '4' THEN 'VOIDED' ELSE state END;

-- debit_memos.source: DebitMemoSource; debit_memos.state: MemoState.
ALTER TABLE debit_memos
  MODIFY source VARCHAR(32) NOT NULL,
  MODIFY state  VARCHAR(32) NOT NULL;
UPDATE debit_memos SET
  source = CASE source WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PRICE_ADJUSTMENT' WHEN '2' THEN 'FEE'
    WHEN '3' THEN 'BANK_CHARGE' WHEN '4' THEN 'OTHER' ELSE source END,
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PENDING' WHEN '2' THEN 'ISSUED'
    WHEN '3' THEN 'SETTLED' WHEN '4' THEN 'VOIDED' ELSE state END;

-- ledger_entries.kind: DocumentKind.
ALTER TABLE ledger_entries
  MODIFY kind VARCHAR(32) NOT NULL COMMENT 'DocumentKind';
UPDATE ledger_entries SET
  kind = CASE kind WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'INVOICE' WHEN '2' THEN 'DEBIT_MEMO'
    WHEN '3' THEN 'CREDIT_MEMO' WHEN '4' THEN 'PAYMENT' WHEN '5' THEN 'REFUND' ELSE kind END;

-- statements.state: StatementState.
ALTER TABLE statements
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE statements SET
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'DRAFT' WHEN '2' THEN 'SENT'
    WHEN '3' THEN 'CONFIRMED' WHEN '4' THEN 'DISPUTED' WHEN '5' THEN 'RESOLVED' ELSE state END;

-- collection_cases.stage: CollectionStage; close_reason: CaseCloseReason.
ALTER TABLE collection_cases
  MODIFY stage        VARCHAR(32) NOT NULL,
  MODIFY close_reason VARCHAR(32) NOT NULL DEFAULT 'UNSPECIFIED';
UPDATE collection_cases SET
  stage = CASE stage WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'AWAITING_CONFIRMATION' WHEN '2' THEN 'CONFIRMED'
    WHEN '3' THEN 'FIRST_NOTICE' WHEN '4' THEN 'SUPPLY_STOPPED' WHEN '5' THEN 'LEGAL_PREPARATION'
    WHEN '6' THEN 'LEGAL_READY' WHEN '7' THEN 'CLOSED' ELSE stage END,
  close_reason = CASE close_reason WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PAID' WHEN '2' THEN 'CREDITED'
    WHEN '3' THEN 'MANUAL' ELSE close_reason END;

-- collection_steps.kind: CollectionStepKind; from_stage, to_stage:
-- CollectionStage (from_stage of the OPENED step is UNSPECIFIED).
ALTER TABLE collection_steps
  MODIFY kind       VARCHAR(32) NOT NULL,
  MODIFY from_stage VARCHAR(32) NOT NULL,
  MODIFY to_stage   VARCHAR(32) NOT NULL;
UPDATE collection_steps SET
  kind = CASE kind WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'OPENED' WHEN '2' THEN 'CONFIRMATION_RECORDED'
    WHEN '3' THEN 'FIRST_NOTICE' WHEN '4' THEN 'REPAYMENT_PLAN_RECORDED' WHEN '5' THEN 'SECOND_NOTICE'
    WHEN '6' THEN 'SUPPLY_STOPPED' WHEN '7' THEN 'LEGAL_PREPARATION_STARTED' WHEN '8' THEN 'LEGAL_READY'
    WHEN '9' THEN 'DEADLINE_MISSED' WHEN '10' THEN 'PARTIAL_SETTLEMENT' WHEN '11' THEN 'CLOSED'
    WHEN '12' THEN 'REOPENED' ELSE kind END,
  from_stage = CASE from_stage WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'AWAITING_CONFIRMATION'
    WHEN '2' THEN 'CONFIRMED' WHEN '3' THEN 'FIRST_NOTICE' WHEN '4' THEN 'SUPPLY_STOPPED'
    WHEN '5' THEN 'LEGAL_PREPARATION' WHEN '6' THEN 'LEGAL_READY' WHEN '7' THEN 'CLOSED' ELSE from_stage END,
  to_stage = CASE to_stage WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'AWAITING_CONFIRMATION'
    WHEN '2' THEN 'CONFIRMED' WHEN '3' THEN 'FIRST_NOTICE' WHEN '4' THEN 'SUPPLY_STOPPED'
    WHEN '5' THEN 'LEGAL_PREPARATION' WHEN '6' THEN 'LEGAL_READY' WHEN '7' THEN 'CLOSED' ELSE to_stage END;

-- credit_holds.source: CreditHoldSource; credit_holds.state: CreditHoldState.
ALTER TABLE credit_holds
  MODIFY source VARCHAR(32) NOT NULL,
  MODIFY state  VARCHAR(32) NOT NULL;
UPDATE credit_holds SET
  source = CASE source WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'COLLECTIONS' WHEN '2' THEN 'MANUAL'
    ELSE source END,
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'ACTIVE' WHEN '2' THEN 'RELEASED' ELSE state END;

-- commission_plans.state: CommissionPlanState.
ALTER TABLE commission_plans
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE commission_plans SET
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'DRAFT' WHEN '2' THEN 'ACTIVE'
    WHEN '3' THEN 'RETIRED' ELSE state END;

-- commission_statements.state: CommissionStatementState.
ALTER TABLE commission_statements
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE commission_statements SET
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'DRAFT' WHEN '2' THEN 'APPROVED'
    WHEN '3' THEN 'PAID' ELSE state END;

-- commission_deductions.state: CommissionDeductionState.
ALTER TABLE commission_deductions
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE commission_deductions SET
  state = CASE state WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'OUTSTANDING' WHEN '2' THEN 'RETURNED'
    WHEN '3' THEN 'CANCELLED' ELSE state END;
