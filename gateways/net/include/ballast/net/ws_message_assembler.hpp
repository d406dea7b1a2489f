// Turns decoded frames into WebSocket messages: reassembles fragments, lets control frames
// through between them, validates text as UTF-8 as it arrives and parses close payloads.
// One allocation, in the constructor; the per-message path never touches the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ballast/net/utf8.hpp"
#include "ballast/net/ws_frame.hpp"

namespace ballast::net {

enum class WsEventKind : std::uint8_t {
  none,  // a fragment was buffered; nothing to deliver yet
  text,
  binary,
  ping,
  pong,
  close,
  error,
};

const char* to_string(WsEventKind kind) noexcept;

struct WsAssemblerEvent {
  WsEventKind kind = WsEventKind::none;
  WsError error = WsError::none;
  // text/binary: the message; ping/pong: the payload; close: the reason (UTF-8, checked).
  // Valid until the next feed() or until the caller reuses the receive buffer.
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  std::uint16_t close_code = 0;  // close only; 1005 when the peer sent no code
};

class WsMessageAssembler {
 public:
  // max_message_bytes bounds a whole (reassembled) message; the buffer for fragmented
  // messages is allocated here, once.
  WsMessageAssembler(std::size_t max_message_bytes, WsRole role);

  // `frame` comes from decode_ws_frame with the same role. The receive buffer behind
  // frame.payload must be mutable: a masked frame (server role) is unmasked in place,
  // which is what lets an unfragmented message be delivered as a view with no copy.
  // A frame must be fed once only (a second feed would unmask it again).
  // After an error every feed returns that error again until reset(): the caller is
  // expected to fail the connection with close_code_for(error).
  WsAssemblerEvent feed(const WsFrameView& frame) noexcept;

  // For a new connection: drops any partial message and a sticky error.
  void reset() noexcept;

  [[nodiscard]] bool in_fragmented_message() const noexcept {
    return open_kind_ != WsEventKind::none;
  }
  [[nodiscard]] std::size_t max_message_bytes() const noexcept { return capacity_; }
  [[nodiscard]] WsRole role() const noexcept { return role_; }

 private:
  WsAssemblerEvent fail(WsError error) noexcept;
  WsAssemblerEvent control(const WsFrameView& frame, std::uint8_t* payload) noexcept;

  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  WsRole role_;
  WsEventKind open_kind_ = WsEventKind::none;  // text or binary while a message is open
  WsError sticky_error_ = WsError::none;
  Utf8Validator utf8_;
};

}  // namespace ballast::net
