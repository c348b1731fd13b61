-- One row per sweep that must not run twice at once. The lapse sweep commits
-- in batches, so no single transaction of it can keep a second run out; the
-- transaction that keeps its answer holds this row (SELECT … FOR UPDATE)
-- while the batches run beside it. A second run for the day — another
-- CronJob pod, an operator's manual run under another request id — waits
-- for the first to finish and then finds nothing left, instead of sweeping
-- alongside it and each answering (and announcing) a share of the day.
CREATE TABLE sweep_locks (
  sweep VARCHAR(32) NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO sweep_locks (sweep) VALUES ('lapse');
