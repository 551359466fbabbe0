// SPDX-License-Identifier: MIT
#include "support/write_trace.hpp"

#include <algorithm>

namespace wscore::test {

Trace describe_written(Role writer, ByteView output) {
  Trace trace;
  WriteReader reader(writer);
  reader.read(output, trace);
  reader.finish(trace);
  return trace;
}

WriteReader::WriteReader(Role writer)
    : frames_(writer == Role::server ? Role::client : Role::server) {}

void WriteReader::read(ByteView output, Trace& trace) {
  while (!output.empty() && state_ != State::frames && state_ != State::refused) {
    if (state_ == State::start) {
      state_ =
          output[0] == std::byte{'G'} || output[0] == std::byte{'H'} ? State::head : State::frames;
    } else if (state_ == State::head) {
      output = read_head(output);
    } else {
      output = read_body(output);
    }
    if (state_ == State::body && body_remaining_ == 0) finish_head(trace);
  }
  if (state_ != State::frames) return;
  for (const Frame& frame : frames_.read(output))
    trace.push_back("wrote " + describe_frame(frame));
  if (frames_.violation()) {
    trace.push_back("wrote violation " + std::string(violation_name(*frames_.violation())));
    state_ = State::refused;
  }
}

void WriteReader::finish(Trace& trace) const {
  if (state_ == State::head) {
    trace.push_back("wrote unfinished head " + head_.substr(0, head_.find("\r\n")));
  } else if (state_ == State::body) {
    trace.push_back("wrote unfinished body of " + head_.substr(0, head_.find("\r\n")));
  } else if (state_ == State::frames && !frames_.at_frame_start()) {
    trace.push_back("wrote unfinished frame");
  }
}

ByteView WriteReader::read_head(ByteView output) {
  const std::size_t before = head_.size();
  head_ += as_text(output);
  const std::size_t end = head_.find("\r\n\r\n");
  if (end == std::string::npos) return {};
  head_.resize(end + 4);
  output = output.subspan(head_.size() - before);
  state_ = State::body;
  body_remaining_ = content_length();
  return output;
}

ByteView WriteReader::read_body(ByteView output) {
  const std::size_t taken = std::min(body_remaining_, output.size());
  body_ += as_text(output.first(taken));
  body_remaining_ -= taken;
  return output.subspan(taken);
}

// RFC 9112 §6.3: the body of a response that has one is as long as Content-Length says.
std::size_t WriteReader::content_length() const {
  const std::string name = "\r\nContent-Length: ";
  const std::size_t at = head_.find(name);
  return at == std::string::npos ? 0 : std::stoul(head_.substr(at + name.size()));
}

// "101 response" for "HTTP/1.1 101 Switching Protocols", "GET /chat request" for
// "GET /chat HTTP/1.1"; a body (an error response's sentence) by its text, without its final
// line end, when it is short.
void WriteReader::finish_head(Trace& trace) {
  const std::string start_line = head_.substr(0, head_.find("\r\n"));
  const std::size_t first_space = start_line.find(' ');
  const std::size_t second_space = start_line.find(' ', first_space + 1);
  std::string line;
  if (start_line.rfind("HTTP/", 0) == 0) {
    line = start_line.substr(first_space + 1, second_space - first_space - 1) + " response";
  } else {
    line = start_line.substr(0, second_space) + " request";
  }
  if (!body_.empty()) {
    if (body_.back() == '\n') body_.pop_back();
    line += ": " + (body_.size() <= 100 ? body_ : summarize(as_bytes(body_), true));
  }
  trace.push_back("wrote " + line);
  state_ = State::frames;
}

// "pong Hello", "close 1002 <reason>", "text fin=0 Hel", "continuation lo", "binary rsv=4 ...".
std::string WriteReader::describe_frame(const Frame& frame) {
  const FrameHeader& header = frame.header;
  const ByteView payload(frame.payload);
  std::string line = opcode_name(header.opcode);
  if (!header.fin) line += " fin=0";
  if (header.rsv != 0) line.append(" rsv=").append(std::to_string(header.rsv));
  if (header.opcode == static_cast<std::uint8_t>(Opcode::close)) {
    // RFC 6455 §5.5.1: no payload, or the code (2 bytes, big-endian) and then the reason.
    if (payload.empty()) return line;
    if (payload.size() == 1) return line.append(" ").append(hex(payload));
    const unsigned code =
        static_cast<unsigned>(payload[0]) << 8 | static_cast<unsigned>(payload[1]);
    line.append(" ").append(std::to_string(code));
    if (payload.size() > 2) line.append(" ").append(as_text(payload.subspan(2)));
    return line;
  }
  bool text = true;  // a control frame's payload: verbatim
  if (!is_control_opcode(header.opcode)) {
    // A continuation frame's payload is of its message's type; compressed payloads in hex.
    if (header.opcode != static_cast<std::uint8_t>(Opcode::continuation)) {
      message_is_text_ = header.opcode == static_cast<std::uint8_t>(Opcode::text);
      message_compressed_ = (header.rsv & rsv_bit::rsv1) != 0;
    }
    text = message_is_text_ && !message_compressed_;
  }
  return line.append(" ").append(summarize(payload, text));
}

}  // namespace wscore::test
