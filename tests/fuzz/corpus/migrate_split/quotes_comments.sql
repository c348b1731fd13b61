INSERT INTO t VALUES ('a;b', "c\";d", `e;f`); -- x; y
# z;
/* ; */ SELECT 1;SELECT '张三;李四'