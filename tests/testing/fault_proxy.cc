#include "tests/testing/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sales::testing {
namespace {

constexpr size_t kReadSize = 64 * 1024;
// Per direction: past this the proxy stops reading that side, as TCP would.
constexpr size_t kPipeCap = 1 << 20;
// A COMMIT's reply is awaited this long before the cut goes ahead anyway.
constexpr absl::Duration kCommitReplyWait = absl::Seconds(5);
// Command packets longer than this are never a bare COMMIT; their first
// bytes are kept only for the command log.
constexpr size_t kCommandPrefix = 1024;
constexpr size_t kCommandLogSize = 256;

// RST instead of FIN: the peer sees "connection reset", as on a real cut.
void ResetFd(int& fd) {
  if (fd < 0) return;
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  close(fd);
  fd = -1;
}

void CloseFd(int& fd) {
  if (fd < 0) return;
  close(fd);
  fd = -1;
}

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

std::string CommandName(uint8_t cmd) {
  switch (cmd) {
    case 0x01:
      return "COM_QUIT";
    case 0x02:
      return "COM_INIT_DB";
    case 0x03:
      return "COM_QUERY";
    case 0x0e:
      return "COM_PING";
    case 0x11:
      return "COM_CHANGE_USER";
    case 0x16:
      return "COM_STMT_PREPARE";
    case 0x17:
      return "COM_STMT_EXECUTE";
    case 0x18:
      return "COM_STMT_SEND_LONG_DATA";
    case 0x19:
      return "COM_STMT_CLOSE";
    case 0x1a:
      return "COM_STMT_RESET";
    case 0x1b:
      return "COM_SET_OPTION";
    case 0x1c:
      return "COM_STMT_FETCH";
    case 0x1f:
      return "COM_RESET_CONNECTION";
    default:
      return absl::StrFormat("COM_0x%02x", cmd);
  }
}

// Splits the client→server byte stream into MySQL packets, across chunk
// boundaries, and reports every command packet (sequence id 0: the
// handshake response and continuations of 16 MiB packets have others).
class MySqlStream {
 public:
  // `on_command(end, payload_prefix, payload_length)`: a command packet
  // ended at offset `end` of this chunk.
  void Feed(const char* data, size_t n, const std::function<void(size_t, const std::string&, uint32_t)>& on_command) {
    size_t i = 0;
    while (i < n) {
      if (header_have_ < 4) {
        header_[header_have_++] = static_cast<uint8_t>(data[i++]);
        if (header_have_ == 4) {
          length_ = header_[0] | (header_[1] << 8) | (header_[2] << 16);
          seq_ = header_[3];
          remaining_ = length_;
          prefix_.clear();
          if (remaining_ == 0) Complete(i, on_command);
        }
        continue;
      }
      size_t take = std::min<size_t>(remaining_, n - i);
      if (seq_ == 0 && prefix_.size() < kCommandPrefix) {
        prefix_.append(data + i, std::min(take, kCommandPrefix - prefix_.size()));
      }
      i += take;
      remaining_ -= static_cast<uint32_t>(take);
      if (remaining_ == 0) Complete(i, on_command);
    }
  }

 private:
  void Complete(size_t end, const std::function<void(size_t, const std::string&, uint32_t)>& on_command) {
    header_have_ = 0;
    if (seq_ == 0 && length_ > 0) on_command(end, prefix_, length_);
  }

  uint8_t header_[4] = {};
  int header_have_ = 0;
  uint32_t length_ = 0;
  uint32_t remaining_ = 0;
  uint8_t seq_ = 0;
  std::string prefix_;
};

// One direction of a connection: bytes read from `from`, waiting for their
// time to be written to the other side.
struct Pipe {
  struct Chunk {
    absl::Time due;
    std::string data;
    size_t off = 0;
    bool commit_end = false;  // the last byte of a COMMIT to be cut after
  };
  std::deque<Chunk> queue;
  size_t queued = 0;
  bool eof = false;   // the source half-closed
  bool shut = false;  // we half-closed the destination after the queue
};

}  // namespace

bool IsMySqlCommit(absl::string_view q) {
  size_t i = 0;
  for (;;) {
    while (i < q.size() && absl::ascii_isspace(static_cast<unsigned char>(q[i]))) ++i;
    absl::string_view rest = q.substr(i);
    if (absl::StartsWith(rest, "/*")) {
      size_t end = q.find("*/", i + 2);
      if (end == absl::string_view::npos) return false;
      i = end + 2;
    } else if (absl::StartsWith(rest, "#") ||
               (absl::StartsWith(rest, "--") &&
                (rest.size() == 2 || absl::ascii_isspace(static_cast<unsigned char>(rest[2]))))) {
      size_t end = q.find('\n', i);
      if (end == absl::string_view::npos) return false;
      i = end + 1;
    } else {
      break;
    }
  }
  absl::string_view rest = q.substr(i);
  if (rest.size() < 6 || !absl::EqualsIgnoreCase(rest.substr(0, 6), "COMMIT")) return false;
  if (rest.size() == 6) return true;
  unsigned char next = static_cast<unsigned char>(rest[6]);
  return !(absl::ascii_isalnum(next) || next == '_' || next == '$');
}

struct FaultProxy::Conn {
  enum class Phase {
    kForwarding,
    kCommitQueued,  // a COMMIT to cut after is queued for the server
    kCommitSent,    // it was delivered; waiting for the server's reply
  };
  int client = -1;
  int server = -1;
  bool connecting = true;
  bool reset_pending = false;  // a peer reset; passed on when not stalled
  Phase phase = Phase::kForwarding;
  absl::Time cut_deadline = absl::InfiniteFuture();
  Pipe up;    // client → server
  Pipe down;  // server → client
  MySqlStream mysql;
  bool dead() const { return client < 0 && server < 0; }
};

absl::StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(int upstream_port, int max_connections) {
  std::unique_ptr<FaultProxy> p(new FaultProxy());
  p->upstream_port_ = upstream_port;
  p->max_connections_ = std::max(1, max_connections);
  p->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (p->listen_fd_ < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  int one = 1;
  setsockopt(p->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(0);
  if (bind(p->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(p->listen_fd_, 128) != 0) {
    return absl::InternalError(absl::StrCat("fault proxy cannot listen: ", strerror(errno)));
  }
  socklen_t len = sizeof(addr);
  getsockname(p->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  p->port_ = ntohs(addr.sin_port);
  p->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p->wake_fd_ < 0) return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
  p->thread_ = std::thread([raw = p.get()] { raw->Loop(); });
  return p;
}

FaultProxy::~FaultProxy() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
  for (auto& c : conns_) ResetConn(*c);
  conns_.clear();
  CloseFd(listen_fd_);
  CloseFd(wake_fd_);
}

int FaultProxy::upstream() const {
  std::lock_guard<std::mutex> lock(mu_);
  return upstream_port_;
}

void FaultProxy::SetUpstream(int port) {
  std::lock_guard<std::mutex> lock(mu_);
  upstream_port_ = port;
}

void FaultProxy::SetDelay(absl::Duration delay) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ = std::max(delay, absl::ZeroDuration());
  }
  Wake();
}

void FaultProxy::SetStall(bool on) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stall_ = on;
  }
  Wake();
}

void FaultProxy::SetDrop(bool on) {
  std::unique_lock<std::mutex> lock(mu_);
  drop_ = on;
  if (on) {
    RequestCutAll(lock);
  } else {
    lock.unlock();
    Wake();
  }
}

void FaultProxy::CutAll() {
  std::unique_lock<std::mutex> lock(mu_);
  RequestCutAll(lock);
}

void FaultProxy::RequestCutAll(std::unique_lock<std::mutex>& lock) {
  uint64_t ticket = ++cut_requested_;
  lock.unlock();
  Wake();
  lock.lock();
  cut_done_cv_.wait(lock, [&] { return cut_done_ >= ticket || stop_; });
}

void FaultProxy::CutAfterCommit(int n) { commits_to_cut_.store(std::max(0, n)); }

void FaultProxy::ClearFaults() {
  commits_to_cut_.store(0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ = absl::ZeroDuration();
    stall_ = false;
    drop_ = false;
  }
  Wake();
}

bool FaultProxy::TakeCommitCut() {
  int left = commits_to_cut_.load();
  while (left > 0) {
    if (commits_to_cut_.compare_exchange_weak(left, left - 1)) return true;
  }
  return false;
}

FaultProxyStats FaultProxy::Stats() const {
  FaultProxyStats s;
  s.accepted = accepted_.load();
  s.refused = refused_.load();
  s.bytes_to_upstream = bytes_to_upstream_.load();
  s.bytes_to_client = bytes_to_client_.load();
  s.cut = cut_.load();
  s.commits_seen = commits_seen_.load();
  s.commits_cut = commits_cut_.load();
  s.open = open_.load();
  s.held_bytes = held_bytes_.load();
  return s;
}

std::vector<std::string> FaultProxy::MySqlCommands() const {
  std::lock_guard<std::mutex> lock(log_mu_);
  return {commands_.begin(), commands_.end()};
}

void FaultProxy::ClearMySqlCommands() {
  std::lock_guard<std::mutex> lock(log_mu_);
  commands_.clear();
}

void FaultProxy::RecordCommand(std::string entry) {
  std::lock_guard<std::mutex> lock(log_mu_);
  if (commands_.size() >= kCommandLogSize) commands_.pop_front();
  commands_.push_back(std::move(entry));
}

void FaultProxy::TakeFaults() {
  stall_now_ = stall_;
  drop_now_ = drop_;
  delay_now_ = delay_;
  upstream_now_ = upstream_port_;
}

void FaultProxy::Wake() {
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

void FaultProxy::ResetConn(Conn& c) {
  ResetFd(c.client);
  ResetFd(c.server);
  held_bytes_ -= static_cast<int64_t>(c.up.queued + c.down.queued);
  c.up.queue.clear();
  c.up.queued = 0;
  c.down.queue.clear();
  c.down.queued = 0;
}

void FaultProxy::Accept() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a client that gave up before we got to it
    if (drop_now_ || static_cast<int>(conns_.size()) >= max_connections_) {
      ++refused_;
      ResetFd(fd);
      continue;
    }
    int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr = Loopback(upstream_now_);
    if (server < 0 ||
        (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 && errno != EINPROGRESS)) {
      ++refused_;
      ResetFd(fd);
      CloseFd(server);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<Conn>();
    c->client = fd;
    c->server = server;
    conns_.push_back(std::move(c));
  }
}

void FaultProxy::ReadClient(Conn& c, absl::Time now) {
  char buf[kReadSize];
  ssize_t n = recv(c.client, buf, sizeof(buf), 0);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.reset_pending = true;
    return;
  }
  if (n == 0) {
    c.up.eof = true;
    return;
  }
  size_t len = static_cast<size_t>(n);
  size_t cut_at = 0;
  c.mysql.Feed(buf, len, [&](size_t end, const std::string& payload, uint32_t length) {
    auto cmd = static_cast<uint8_t>(payload[0]);
    std::string entry = CommandName(cmd);
    if (cmd == 0x03 || cmd == 0x16) {
      absl::StrAppend(&entry, " ", absl::string_view(payload).substr(1, 80));
    }
    RecordCommand(std::move(entry));
    if (cmd == 0x03 && length <= kCommandPrefix && IsMySqlCommit(absl::string_view(payload).substr(1))) {
      ++commits_seen_;
      if (cut_at == 0 && TakeCommitCut()) cut_at = end;
    }
  });
  Pipe::Chunk chunk{now + delay_now_, std::string(buf, cut_at > 0 ? cut_at : len), 0, cut_at > 0};
  // Whatever the client sent after that COMMIT is never delivered: the
  // connection is cut before the server's reply, so nothing may follow.
  if (cut_at > 0) c.phase = Conn::Phase::kCommitQueued;
  c.up.queued += chunk.data.size();
  held_bytes_ += static_cast<int64_t>(chunk.data.size());
  c.up.queue.push_back(std::move(chunk));
}

void FaultProxy::ReadServer(Conn& c, absl::Time now) {
  char buf[kReadSize];
  ssize_t n = recv(c.server, buf, sizeof(buf), 0);
  if (c.phase == Conn::Phase::kCommitSent) {
    // The server answered the COMMIT (or went away): it has decided. The
    // answer is thrown away and the client is cut without it.
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    FinishCommitCut(c);
    return;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.reset_pending = true;
    return;
  }
  if (n == 0) {
    c.down.eof = true;
    return;
  }
  Pipe::Chunk chunk{now + delay_now_, std::string(buf, static_cast<size_t>(n)), 0, false};
  c.down.queued += chunk.data.size();
  held_bytes_ += n;
  c.down.queue.push_back(std::move(chunk));
}

void FaultProxy::FinishCommitCut(Conn& c) {
  // Counted first: the reset wakes the client, which may look at once.
  ++commits_cut_;
  ++cut_;
  ResetConn(c);
}

// Delivers what is due on both directions and passes on closes; called
// every round for every connection.
void FaultProxy::Pump(Conn& c, absl::Time now) {
  if (c.dead()) return;
  if (c.phase == Conn::Phase::kCommitSent) {
    if (now >= c.cut_deadline) FinishCommitCut(c);
    return;
  }
  if (stall_now_ || c.connecting) return;
  if (c.reset_pending) {
    // A peer reset its side: the other one is reset too, as a router would.
    ResetConn(c);
    return;
  }
  auto drain = [&](Pipe& p, int to, std::atomic<int64_t>& delivered, bool upward) -> bool {
    while (!p.queue.empty() && p.queue.front().due <= now) {
      Pipe::Chunk& ch = p.queue.front();
      auto want = static_cast<int64_t>(ch.data.size() - ch.off);
      // Counted as delivered before the send and corrected after: a peer
      // woken by these bytes may read the counters at once.
      held_bytes_ -= want;
      delivered += want;
      ssize_t n = send(to, ch.data.data() + ch.off, ch.data.size() - ch.off, MSG_NOSIGNAL);
      int64_t sent = std::max<int64_t>(n, 0);
      held_bytes_ += want - sent;
      delivered -= want - sent;
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
        return false;
      }
      ch.off += static_cast<size_t>(n);
      p.queued -= static_cast<size_t>(n);
      if (ch.off < ch.data.size()) return true;
      bool commit_end = ch.commit_end;
      p.queue.pop_front();
      if (commit_end && upward) {
        // The COMMIT is with the server now. Nothing it says from here on
        // reaches the client; its reply (or the deadline) ends the connection.
        c.phase = Conn::Phase::kCommitSent;
        c.cut_deadline = now + kCommitReplyWait;
        held_bytes_ -= static_cast<int64_t>(c.down.queued);
        c.down.queue.clear();
        c.down.queued = 0;
        return true;
      }
    }
    if (p.queue.empty() && p.eof && !p.shut) {
      shutdown(to, SHUT_WR);
      p.shut = true;
    }
    return true;
  };
  if (!drain(c.up, c.server, bytes_to_upstream_, true) ||
      (c.phase != Conn::Phase::kCommitSent && !drain(c.down, c.client, bytes_to_client_, false))) {
    ResetConn(c);
    return;
  }
  if (c.up.shut && c.down.shut) {
    // Both sides closed and everything was delivered.
    CloseFd(c.client);
    CloseFd(c.server);
  }
}

void FaultProxy::Loop() {
  std::vector<pollfd> fds;
  // For each pollfd past the first two: the connection and which side.
  std::vector<std::pair<Conn*, bool>> owners;
  for (;;) {
    uint64_t cut_ticket = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
      TakeFaults();
      if (cut_done_ < cut_requested_) cut_ticket = cut_requested_;
    }
    if (cut_ticket > 0) {
      for (auto& c : conns_) {
        if (c->dead()) continue;
        ++cut_;
        ResetConn(*c);
      }
      std::lock_guard<std::mutex> lock(mu_);
      cut_done_ = cut_ticket;
      cut_done_cv_.notify_all();
    }

    absl::Time now = absl::Now();
    for (auto& c : conns_) Pump(*c, now);
    conns_.erase(std::remove_if(conns_.begin(), conns_.end(), [](const auto& c) { return c->dead(); }), conns_.end());
    open_ = static_cast<int64_t>(conns_.size());

    // What to wait for, and until when.
    fds.clear();
    owners.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    absl::Time wake_at = now + absl::Milliseconds(200);
    for (auto& cp : conns_) {
      Conn& c = *cp;
      short client_events = 0, server_events = 0;
      if (c.phase == Conn::Phase::kCommitSent) {
        server_events = POLLIN;
        wake_at = std::min(wake_at, c.cut_deadline);
      } else if (c.connecting) {
        server_events = POLLOUT;
        if (!c.up.eof && !c.reset_pending && c.up.queued < kPipeCap) client_events = POLLIN;
      } else if (!c.reset_pending) {
        // Reading goes on while stalled (bounded), so a test can see what
        // was held; only delivering stops.
        if (c.phase == Conn::Phase::kForwarding && !c.up.eof && c.up.queued < kPipeCap) {
          client_events |= POLLIN;
        }
        if (!c.down.eof && c.down.queued < kPipeCap) server_events |= POLLIN;
        if (!stall_now_) {
          auto want_write = [&](const Pipe& pipe, short& events) {
            if (pipe.queue.empty()) return;
            if (pipe.queue.front().due <= now) {
              events |= POLLOUT;
            } else {
              wake_at = std::min(wake_at, pipe.queue.front().due);
            }
          };
          want_write(c.up, server_events);
          if (c.phase != Conn::Phase::kCommitSent) want_write(c.down, client_events);
        }
      }
      if (client_events != 0) {
        fds.push_back({c.client, client_events, 0});
        owners.push_back({&c, true});
      }
      if (server_events != 0) {
        fds.push_back({c.server, server_events, 0});
        owners.push_back({&c, false});
      }
    }
    // Rounded up, so a delayed chunk is never written early.
    int timeout_ms = static_cast<int>(
        absl::ToInt64Milliseconds(absl::Ceil(std::max(wake_at - now, absl::ZeroDuration()), absl::Milliseconds(1))));
    int ready = poll(fds.data(), fds.size(), timeout_ms);
    if (ready <= 0) continue;
    {
      // A fault set while the loop slept applies to what woke it: a test
      // that sets a delay and then sends expects the delay on what it sent.
      std::lock_guard<std::mutex> lock(mu_);
      TakeFaults();
    }
    if (fds[0].revents != 0) {
      uint64_t ignored;
      ssize_t r = read(wake_fd_, &ignored, sizeof(ignored));
      (void)r;
    }
    now = absl::Now();
    for (size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto [c, client_side] = owners[i - 2];
      if (c->dead()) continue;
      if (client_side) {
        if (fds[i].events & POLLIN) ReadClient(*c, now);
      } else if (c->connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(c->server, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          // The upstream is down: the client sees a reset, as it would
          // from a refused connection behind a router.
          ++refused_;
          ResetConn(*c);
        } else {
          c->connecting = false;
          ++accepted_;
        }
      } else if (fds[i].events & POLLIN) {
        ReadServer(*c, now);
      }
    }
    if (fds[1].revents != 0) Accept();
  }
  // Wake anyone still waiting for a cut: the destructor resets everything.
  std::lock_guard<std::mutex> lock(mu_);
  cut_done_ = cut_requested_;
  cut_done_cv_.notify_all();
}

}  // namespace sales::testing
