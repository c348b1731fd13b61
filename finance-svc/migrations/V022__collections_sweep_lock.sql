-- The collections sweep's turn: RunCollectionsSweep takes this row (SELECT …
-- FOR UPDATE) first, so two runs at once — another CronJob pod, finance
-- running the day by hand under another request id — take turns, and the
-- second sees everything the first committed: cases already swept that day,
-- closed, on hold. Row locks on the cases alone do not do it: a case one run
-- closed was closed again by the other, which had listed it before waiting,
-- and a case that does not exist yet has no row to lock (both runs could
-- open it, the later failing on the invoice's unique key).
CREATE TABLE collections_sweep_lock (
  id TINYINT NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO collections_sweep_lock (id) VALUES (1);
