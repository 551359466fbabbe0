// SPDX-License-Identifier: MIT
// Test support: the bytes a Connection wrote, described as its peer reads them, one line each:
// an HTTP head by its start line ("wrote 101 response", "wrote 400 response: <body>",
// "wrote GET /chat request"), then a line per frame, read with FrameReader in the peer's role
// ("wrote pong Hello", "wrote close 1002 <reason>", "wrote close" with no code, "wrote text fin=0
// Hel", "wrote continuation lo", "wrote binary rsv=4 <hex>"), or "wrote violation <name>" for a
// frame the peer would refuse, after which nothing more is read.
#pragma once

#include <cstddef>
#include <string>

#include "support/frame_trace.hpp"
#include "support/trace.hpp"

namespace wscore::test {

// All of `output`, written by a connection in role `writer`, described from its start.
Trace describe_written(Role writer, ByteView output);

// The same for output that is read as it is written, in any pieces (run_pieces takes it after
// each piece of input).
class WriteReader {
 public:
  explicit WriteReader(Role writer);
  // Appends a line to `trace` for everything that ends in `output`.
  void read(ByteView output, Trace& trace);
  // Appends a line for anything left unfinished when the output ends ("wrote unfinished frame").
  void finish(Trace& trace) const;

 private:
  // An HTTP head comes first if the output starts with one: a request or a response (no valid
  // frame starts with 'G', a reserved opcode, or 'H', a non-final Close); then the body its
  // Content-Length gives; then frames. refused: a frame broke a rule; nothing more is read.
  enum class State { start, head, body, frames, refused };

  ByteView read_head(ByteView output);
  ByteView read_body(ByteView output);
  [[nodiscard]] std::size_t content_length() const;
  void finish_head(Trace& trace);
  std::string describe_frame(const Frame& frame);

  State state_ = State::start;
  std::string head_;
  std::string body_;
  std::size_t body_remaining_ = 0;
  FrameReader frames_;
  bool message_is_text_ = false;  // of the message the frames read last belong to
  bool message_compressed_ = false;
};

}  // namespace wscore::test
