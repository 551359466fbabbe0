// SPDX-License-Identifier: MIT
// One accepted socket on an io_uring loop, driven by one wscore::Driver: its events go to the
// loop's ServerApplication (ServerSession). Its bytes come from a multishot receive into the
// loop's buffer ring (armed only while the driver wants to read) and leave in one send at a time,
// queued for the loop's next submission; the driver's output stays in place until the send has
// completed, and only then is it consumed.
#pragma once

#include <cstdint>
#include <string_view>

#include "server_session.hpp"
#include "uring_loop.hpp"

namespace wscore::uring {

class UringConnection final : public transport::ServerSession {
 public:
  UringConnection(UringLoop& loop, int fd, std::uint64_t id, const transport::PeerAddress& peer,
                  std::uint16_t peer_port);
  ~UringConnection();
  UringConnection(const UringConnection&) = delete;
  UringConnection& operator=(const UringConnection&) = delete;

  // Completions of this connection's operations.
  void on_received(int result, std::uint32_t flags);
  void on_sent(int result);
  void on_writable();
  void on_cancelled() { --operations_; }
  // The loop's timer: the driver's deadlines.
  void tick();
  // Gives up at once (a shutdown that ran out of time).
  void give_up(std::string_view why);
  // Prepares the send the loop queued (queue_send), just before it submits.
  void prepare_send();
  // Closed, and no operation of it is still in flight: it may be freed.
  [[nodiscard]] bool finished() const noexcept {
    return phase_ == Phase::closed && operations_ == 0;
  }
  std::size_t slot = 0;  // index in the loop's connection list

 private:
  // lingering: the driver is done, writing is shut down, and what the peer still sends is read
  // and thrown away until it closes too (or a bound is reached), so that it reads our last
  // bytes instead of a reset — as the epoll transport's SocketSession does.
  enum class Phase : std::uint8_t { streaming, lingering, closed };

  // transport::ServerSession
  Driver& driver() override { return driver_; }
  const Driver& driver() const override { return driver_; }
  bool transport_closed() const override { return phase_ == Phase::closed; }
  void pump() override;

  [[nodiscard]] UringLoop& uring_loop() const noexcept { return static_cast<UringLoop&>(loop()); }
  void take(MutableByteView bytes);
  void discard(std::size_t bytes);  // lingering
  void dispatch_and_queue();
  void update_receive();
  void cancel(Operation operation);
  void finish();
  void close_socket(std::string_view why);

  Driver driver_;
  int fd_;
  Phase phase_ = Phase::streaming;
  std::uint8_t operations_ = 0;  // in flight: their completions will name this connection
  bool receiving_ = false;       // the multishot receive is armed
  bool receive_cancelled_ = false;
  bool send_in_flight_ = false;
  bool send_queued_ = false;
  bool waiting_writable_ = false;
  bool peer_ended_ = false;   // end of stream (or the socket failed): nothing to linger for
  bool dispatching_ = false;  // inside an event: a nested pump() waits for it to return
  Milliseconds linger_until_{0};
  std::size_t linger_budget_ = 0;  // bytes still to throw away before giving up on the peer
};

}  // namespace wscore::uring
