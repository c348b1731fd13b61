# Typed peer clients (issue 15): the real clients against a gRPC server on
# loopback, and the fakes application tests use.
sales_test(peers_test SOURCES integration/peers_test.cc LIBS sales_peers LABELS integration)
