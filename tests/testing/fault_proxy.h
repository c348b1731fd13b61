// A small TCP fault proxy for chaos tests (issue 14): put it in front of
// MariaDB, a service or the gateway and the edge can be slowed, black-holed,
// refused or cut — including right after the client sent COMMIT, the case
// where the caller cannot know whether its change is in.
//
// It listens on 127.0.0.1 only and forwards every accepted connection to
// 127.0.0.1:<upstream>. One thread runs every connection (poll); at most
// `max_connections` are open at once and each direction buffers at most
// 1 MiB, so a test cannot make it grow without bound. Every fault can be
// switched from the test thread at any time; the destructor resets what is
// still open and joins the thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sales::testing {

// What the proxy did so far; tests assert on it that a fault really hit.
struct FaultProxyStats {
  int64_t accepted = 0;           // connections accepted and forwarded upstream
  int64_t refused = 0;            // reset at once: dropping, full, or upstream refused
  int64_t bytes_to_upstream = 0;  // delivered to the upstream
  int64_t bytes_to_client = 0;    // delivered to clients
  int64_t cut = 0;                // open connections reset by CutAll, SetDrop or a commit cut
  int64_t commits_seen = 0;       // MySQL COM_QUERY COMMIT packets read from clients
  int64_t commits_cut = 0;        // connections reset after forwarding a COMMIT
  int64_t open = 0;               // connections open now
  int64_t held_bytes = 0;         // read but not delivered yet (stall, delay)
};

// True when a COM_QUERY text is a COMMIT statement: "COMMIT" in any case,
// after any whitespace and /* */, -- or # comments, as a whole word
// ("COMMIT;", "commit work" and "COMMIT AND CHAIN" count, "COMMITTED" not).
bool IsMySqlCommit(absl::string_view query_text);

class FaultProxy {
 public:
  // Listens on 127.0.0.1:<a free port> and forwards to 127.0.0.1:upstream_port.
  static absl::StatusOr<std::unique_ptr<FaultProxy>> Start(int upstream_port, int max_connections = 128);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Where clients connect.
  int port() const { return port_; }
  // Where new connections go; open ones keep their upstream.
  int upstream() const;
  // For an upstream restarted on another port: new connections go there.
  void SetUpstream(int port);

  // Each chunk read in either direction is delivered no earlier than
  // `delay` after it was read; order is kept (a chunk never overtakes an
  // earlier one, so lowering the delay takes effect behind what is queued).
  // Zero turns it off.
  void SetDelay(absl::Duration delay);

  // Black hole: connections are still accepted (and connected upstream) and
  // their bytes read into the proxy's buffers, but nothing is delivered
  // either way — no data, no FIN, no RST — while the stall is on. Clearing
  // it RESUMES: what was held is delivered in order, then whatever close or
  // reset the peers did meanwhile. (A client that gave up has closed its
  // socket, so what was held for it ends in a reset.)
  void SetStall(bool on);

  // On: every open connection is reset now (returns once done), and new
  // connections are accepted and reset at once (the client sees a reset
  // rather than "connection refused": the port stays the proxy's). Off:
  // new connections are forwarded again.
  void SetDrop(bool on);

  // Resets (RST) every open connection; returns once done.
  void CutAll();

  // MySQL only. The proxy parses the client→server stream as MySQL packets
  // (3-byte length, sequence id, payload; command packets have sequence id
  // 0). For the next `n` COM_QUERY packets whose text IsMySqlCommit, across
  // connections: the packet is delivered to the server in full, then the
  // server's reply is awaited (at most 5 s) and thrown away, and the client
  // connection is reset — so the commit happened but the client never hears
  // of it: the "outcome unknown" case. Replaces any earlier count; 0 disarms.
  // A pool opening a session commits too (session settings), so arm this
  // after the sessions it should not hit are open.
  void CutAfterCommit(int n);

  // Turns every fault off (delay, stall, drop, armed commit cuts).
  void ClearFaults();

  FaultProxyStats Stats() const;

  // The last 256 MySQL command packets clients sent, oldest first, as
  // "COM_QUERY COMMIT", "COM_STMT_PREPARE INSERT INTO t ...",
  // "COM_STMT_EXECUTE" (statement text cut at 80 characters).
  std::vector<std::string> MySqlCommands() const;
  void ClearMySqlCommands();

  struct Conn;  // one proxied connection; defined and used by the loop only

 private:
  FaultProxy() = default;
  void Loop();
  void Accept();
  void Pump(Conn& c, absl::Time now);
  void ReadClient(Conn& c, absl::Time now);
  void ReadServer(Conn& c, absl::Time now);
  void ResetConn(Conn& c);
  void FinishCommitCut(Conn& c);
  bool TakeCommitCut();
  void RecordCommand(std::string entry);
  void Wake();
  // Copies the faults for the loop's round; with mu_ held.
  void TakeFaults();
  // Resets every open connection on the loop thread, waiting until done.
  void RequestCutAll(std::unique_lock<std::mutex>& lock);

  int listen_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  int max_connections_ = 0;

  // Faults, set by tests; the loop takes a copy each round.
  mutable std::mutex mu_;
  std::condition_variable cut_done_cv_;
  int upstream_port_ = 0;
  absl::Duration delay_ = absl::ZeroDuration();
  bool stall_ = false;
  bool drop_ = false;
  bool stop_ = false;
  uint64_t cut_requested_ = 0;
  uint64_t cut_done_ = 0;
  std::atomic<int> commits_to_cut_{0};

  // The loop's own view of the faults for the round it is in.
  bool stall_now_ = false;
  bool drop_now_ = false;
  absl::Duration delay_now_ = absl::ZeroDuration();
  int upstream_now_ = 0;

  std::atomic<int64_t> accepted_{0}, refused_{0}, bytes_to_upstream_{0}, bytes_to_client_{0}, cut_{0}, commits_seen_{0},
      commits_cut_{0}, open_{0}, held_bytes_{0};

  mutable std::mutex log_mu_;
  std::deque<std::string> commands_;

  std::vector<std::unique_ptr<Conn>> conns_;  // loop thread only
  std::thread thread_;
};

}  // namespace sales::testing
