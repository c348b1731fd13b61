-- Enums by name (issue 15): every state and kind column holds the proto
-- enum's short name ("SIGNED" for PLAN_STATE_SIGNED) instead of its number,
-- as orders-svc stores them: readable in SQL, and a value added to a proto
-- cannot shift what a stored row means. MODIFY turns a stored 3 into '3'
-- and the UPDATE after it names every number of the column's proto enum
-- (targets.v1, common.v1.PeriodKind for period_kind), leaving anything else
-- as it was. A DEFAULT does not survive MODIFY unless restated, so
-- org_units.state restates its default by name (OrgStore::Insert relies on
-- it). Indexes on these columns stay, and none of them is NULLable.

ALTER TABLE org_units
  MODIFY kind VARCHAR(32) NOT NULL,
  MODIFY state VARCHAR(32) NOT NULL DEFAULT 'ACTIVE';
UPDATE org_units SET
  kind = CASE kind
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'COMPANY'
    WHEN '2' THEN 'BRANCH'
    WHEN '3' THEN 'OFFICE'
    WHEN '4' THEN 'TEAM'
    ELSE kind END,
  state = CASE state
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'ACTIVE'
    WHEN '2' THEN 'CLOSED'
    ELSE state END;

ALTER TABLE reps
  MODIFY status VARCHAR(32) NOT NULL;
UPDATE reps SET
  status = CASE status
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'PROBATION'
    WHEN '2' THEN 'ACTIVE'
    WHEN '3' THEN 'ON_LEAVE'
    WHEN '4' THEN 'LEFT'
    ELSE status END;

ALTER TABLE product_lines
  MODIFY portfolio_role VARCHAR(32) NOT NULL,
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE product_lines SET
  portfolio_role = CASE portfolio_role
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'TRAFFIC'
    WHEN '2' THEN 'VOLUME'
    WHEN '3' THEN 'PROFIT'
    WHEN '4' THEN 'IMAGE'
    ELSE portfolio_role END,
  state = CASE state
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'ACTIVE'
    WHEN '2' THEN 'RETIRED'
    ELSE state END;

ALTER TABLE target_settings
  MODIFY sales_recognition VARCHAR(32) NOT NULL;
UPDATE target_settings SET
  sales_recognition = CASE sales_recognition
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'ON_BOOKING'
    WHEN '2' THEN 'ON_SHIPMENT'
    ELSE sales_recognition END;

ALTER TABLE actual_entries
  MODIFY kind VARCHAR(32) NOT NULL;
UPDATE actual_entries SET
  kind = CASE kind
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'BOOKED'
    WHEN '2' THEN 'SHIPPED'
    WHEN '3' THEN 'RETURNED'
    WHEN '4' THEN 'CANCELLED'
    WHEN '5' THEN 'COLLECTED'
    WHEN '6' THEN 'IMPORTED'
    ELSE kind END;

ALTER TABLE plan_versions
  MODIFY metric VARCHAR(32) NOT NULL,
  MODIFY mode VARCHAR(32) NOT NULL,
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE plan_versions SET
  metric = CASE metric
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'SALES_AMOUNT'
    WHEN '2' THEN 'COLLECTED_AMOUNT'
    WHEN '3' THEN 'QUANTITY'
    WHEN '4' THEN 'NEW_CUSTOMERS'
    WHEN '5' THEN 'GROSS_PROFIT'
    ELSE metric END,
  mode = CASE mode
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'NEGOTIATED'
    WHEN '2' THEN 'DIRECTIVE'
    ELSE mode END,
  state = CASE state
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'DRAFT'
    WHEN '2' THEN 'ISSUED'
    WHEN '3' THEN 'SIGNED'
    WHEN '4' THEN 'SUPERSEDED'
    WHEN '5' THEN 'CANCELLED'
    ELSE state END;

ALTER TABLE assignments
  MODIFY dimension VARCHAR(32) NOT NULL,
  MODIFY method VARCHAR(32) NOT NULL,
  MODIFY period_kind VARCHAR(32) NOT NULL,
  MODIFY portfolio_role VARCHAR(32) NOT NULL,
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE assignments SET
  dimension = CASE dimension
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'QUARTER'
    WHEN '2' THEN 'MONTH'
    WHEN '3' THEN 'ORG_UNIT'
    WHEN '4' THEN 'PORTFOLIO_ROLE'
    WHEN '5' THEN 'PRODUCT_LINE'
    WHEN '6' THEN 'REP'
    WHEN '7' THEN 'CUSTOMER'
    ELSE dimension END,
  method = CASE method
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'HISTORY_SHARE'
    WHEN '2' THEN 'MARKET_QUALITY'
    WHEN '3' THEN 'EXPLICIT_RATIOS'
    WHEN '4' THEN 'EQUAL_SPLIT'
    ELSE method END,
  period_kind = CASE period_kind
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'WEEK'
    WHEN '2' THEN 'MONTH'
    WHEN '3' THEN 'QUARTER'
    WHEN '4' THEN 'YEAR'
    ELSE period_kind END,
  portfolio_role = CASE portfolio_role
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'TRAFFIC'
    WHEN '2' THEN 'VOLUME'
    WHEN '3' THEN 'PROFIT'
    WHEN '4' THEN 'IMAGE'
    ELSE portfolio_role END,
  state = CASE state
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'DRAFT'
    WHEN '2' THEN 'ISSUED'
    WHEN '3' THEN 'ACCEPTED'
    WHEN '4' THEN 'COUNTER_PROPOSED'
    WHEN '5' THEN 'SIGNED'
    ELSE state END;

ALTER TABLE plan_amendments
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE plan_amendments SET
  state = CASE state
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'PENDING_APPROVAL'
    WHEN '2' THEN 'APPROVED'
    WHEN '3' THEN 'REJECTED'
    WHEN '4' THEN 'WITHDRAWN'
    ELSE state END;

ALTER TABLE expenses
  MODIFY category VARCHAR(32) NOT NULL,
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE expenses SET
  category = CASE category
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'TRAVEL'
    WHEN '2' THEN 'ENTERTAINMENT'
    WHEN '3' THEN 'PROMOTION'
    WHEN '4' THEN 'CHANNEL_FEE'
    WHEN '5' THEN 'SAMPLES'
    WHEN '6' THEN 'OTHER'
    ELSE category END,
  state = CASE state
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'POSTED'
    WHEN '2' THEN 'REVERSED'
    ELSE state END;

ALTER TABLE rep_history
  MODIFY status VARCHAR(32) NOT NULL;
UPDATE rep_history SET
  status = CASE status
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'PROBATION'
    WHEN '2' THEN 'ACTIVE'
    WHEN '3' THEN 'ON_LEAVE'
    WHEN '4' THEN 'LEFT'
    ELSE status END;

ALTER TABLE target_reductions
  MODIFY state VARCHAR(32) NOT NULL;
UPDATE target_reductions SET
  state = CASE state
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'PENDING'
    WHEN '2' THEN 'APPROVED'
    WHEN '3' THEN 'REJECTED'
    WHEN '4' THEN 'ESCALATED'
    WHEN '5' THEN 'WITHDRAWN'
    ELSE state END;

ALTER TABLE progress_status_last
  MODIFY metric VARCHAR(32) NOT NULL,
  MODIFY status VARCHAR(32) NOT NULL;
UPDATE progress_status_last SET
  metric = CASE metric
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'SALES_AMOUNT'
    WHEN '2' THEN 'COLLECTED_AMOUNT'
    WHEN '3' THEN 'QUANTITY'
    WHEN '4' THEN 'NEW_CUSTOMERS'
    WHEN '5' THEN 'GROSS_PROFIT'
    ELSE metric END,
  status = CASE status
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'AHEAD'
    WHEN '2' THEN 'ON_TRACK'
    WHEN '3' THEN 'AT_RISK'
    WHEN '4' THEN 'BEHIND'
    ELSE status END;

ALTER TABLE monthly_attainment_published
  MODIFY metric VARCHAR(32) NOT NULL;
UPDATE monthly_attainment_published SET
  metric = CASE metric
    WHEN '0' THEN 'UNSPECIFIED'
    WHEN '1' THEN 'SALES_AMOUNT'
    WHEN '2' THEN 'COLLECTED_AMOUNT'
    WHEN '3' THEN 'QUANTITY'
    WHEN '4' THEN 'NEW_CUSTOMERS'
    WHEN '5' THEN 'GROSS_PROFIT'
    ELSE metric END;
