-- The org after it is set up (issue 17): a unit's manager is stored, and
-- edits of units, reps and product lines leave an audit trail.

-- The rep who manages the unit (OrgUnit.manager_rep_id): answers for the
-- unit's assignments and approves changes below it. NULL while the unit is
-- not staffed (the API answers 0), which is every unit of a database that
-- predates this column. UpdateOrgUnit only stores a rep of the unit or of a
-- unit above it.
ALTER TABLE org_units
  ADD COLUMN manager_rep_id BIGINT NULL,
  ADD CONSTRAINT fk_org_units_manager FOREIGN KEY (manager_rep_id) REFERENCES reps (id);

-- Who changed what of the sales organization's master data, when and why:
-- one row per changed field of an org unit, rep or product line, and one
-- per retirement. Read as sales.common.v1.AuditEntry (ListAuditEntries).
CREATE TABLE org_audit (
  -- Order of the entries (AuditEntry.id).
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  -- The AuditSubjectType short name: ORG_UNIT, REP or PRODUCT_LINE.
  subject_type VARCHAR(32)   NOT NULL,
  -- The unit's, rep's or line's id.
  subject_id   BIGINT        NOT NULL,
  -- When the change committed (UTC).
  at           DATETIME(6)   NOT NULL,
  -- The principal who made it, encoded (Principal::Encode).
  actor        VARCHAR(255)  NOT NULL,
  -- What changed, e.g. NAME_CHANGED, MANAGER_CHANGED, RETIRED.
  action       VARCHAR(64)   NOT NULL,
  -- The value before ('' when there was none).
  from_value   VARCHAR(1000) NOT NULL DEFAULT '',
  -- The value after ('' when cleared).
  to_value     VARCHAR(1000) NOT NULL DEFAULT '',
  -- The reason the actor gave ('' when the method takes none).
  reason       VARCHAR(2000) NOT NULL DEFAULT '',
  -- The request id of the call that made the change.
  request_id   VARCHAR(64)   NOT NULL DEFAULT '',
  KEY ix_org_audit_subject (subject_type, subject_id, id)
) ENGINE=InnoDB;
