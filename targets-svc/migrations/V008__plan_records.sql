-- The plan's records (issue 17): the audit trail of a plan amendment or a
-- target reduction is readable on its own (ListAuditEntries), and counting a
-- plan's cells reads an index only.

-- Each plan_audit row may now also name the amendment or the reduction it is
-- about; a plan's trail still holds them all (by plan_id).
ALTER TABLE plan_audit
  -- The plan amendment the entry is about; 0 when none.
  ADD COLUMN amendment_id BIGINT NOT NULL DEFAULT 0,
  -- The target reduction request the entry is about; 0 when none.
  ADD COLUMN reduction_id BIGINT NOT NULL DEFAULT 0,
  ADD KEY ix_plan_audit_assignment (assignment_id, id),
  ADD KEY ix_plan_audit_amendment (amendment_id, id),
  ADD KEY ix_plan_audit_reduction (reduction_id, id);

-- Entries written before this migration, linked where the row says which
-- request it was about. A request recorded its amendment in to_value
-- ("amendment 12"); an approval created the version the amendment names.
UPDATE plan_audit
SET amendment_id = CAST(SUBSTRING(to_value, 11) AS UNSIGNED)
WHERE action = 'AMENDMENT_REQUESTED' AND to_value LIKE 'amendment %';

UPDATE plan_audit au
JOIN plan_amendments am ON am.plan_id = au.plan_id AND am.new_version = au.plan_version
SET au.amendment_id = am.id
WHERE au.action = 'AMENDMENT_APPROVED';

-- A reduction's request and decision were audited on its parent cell in the
-- same transaction as the request row was written or decided, with the same
-- reason: the cell, the reason and the second they happened identify it.
UPDATE plan_audit au
JOIN target_reductions r ON r.plan_id = au.plan_id AND r.plan_version = au.plan_version
  AND r.parent_assignment_id = au.assignment_id AND r.reason = au.reason
  AND au.at BETWEEN r.created_at - INTERVAL 1 SECOND AND r.created_at + INTERVAL 1 SECOND
SET au.reduction_id = r.id
WHERE au.action = 'REDUCTION_REQUESTED';

UPDATE plan_audit au
JOIN target_reductions r ON r.plan_id = au.plan_id AND r.plan_version = au.plan_version
  AND r.parent_assignment_id = au.assignment_id AND r.decision_reason = au.reason
  AND au.at BETWEEN r.decided_at - INTERVAL 1 SECOND AND r.decided_at + INTERVAL 1 SECOND
SET au.reduction_id = r.id
WHERE au.action IN ('REDUCTION_APPROVED', 'REDUCTION_ESCALATED');

-- A plan's counts (cells, and negotiable cells by state) for GetPlan and
-- ListPlans, read from this index without touching the cells themselves.
ALTER TABLE assignments
  ADD KEY ix_assignments_counts (plan_id, plan_version, negotiable, state);
