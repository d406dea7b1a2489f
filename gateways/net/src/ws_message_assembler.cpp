// WsMessageAssembler (ws_message_assembler.hpp): RFC 6455 section 5.4 fragmentation rules
// on top of frames that decode_ws_frame has already checked one by one.
#include "ballast/net/ws_message_assembler.hpp"

#include <cstring>

#include "ballast/net/ws_close.hpp"

namespace ballast::net {

const char* to_string(WsEventKind kind) noexcept {
  switch (kind) {
    case WsEventKind::none:
      return "none";
    case WsEventKind::text:
      return "text";
    case WsEventKind::binary:
      return "binary";
    case WsEventKind::ping:
      return "ping";
    case WsEventKind::pong:
      return "pong";
    case WsEventKind::close:
      return "close";
    case WsEventKind::error:
      return "error";
  }
  return "unknown";
}

WsMessageAssembler::WsMessageAssembler(std::size_t max_message_bytes, WsRole role)
    // At least one byte so buffer_ is never null, even for a zero-byte limit.
    : buffer_(new std::uint8_t[max_message_bytes == 0 ? 1 : max_message_bytes]),
      capacity_(max_message_bytes),
      role_(role) {}

void WsMessageAssembler::reset() noexcept {
  used_ = 0;
  open_kind_ = WsEventKind::none;
  sticky_error_ = WsError::none;
  utf8_.reset();
}

WsAssemblerEvent WsMessageAssembler::fail(WsError error) noexcept {
  sticky_error_ = error;
  open_kind_ = WsEventKind::none;
  used_ = 0;
  WsAssemblerEvent event;
  event.kind = WsEventKind::error;
  event.error = error;
  return event;
}

WsAssemblerEvent WsMessageAssembler::control(const WsFrameView& frame,
                                             std::uint8_t* payload) noexcept {
  WsAssemblerEvent event;
  switch (frame.opcode) {
    case WsOpcode::ping:
      event.kind = WsEventKind::ping;
      break;
    case WsOpcode::pong:
      event.kind = WsEventKind::pong;
      break;
    default: {
      WsClosePayload close;
      const WsError error = parse_close_payload(payload, frame.payload_len, close);
      if (error != WsError::none) return fail(error);
      event.kind = WsEventKind::close;
      event.close_code = close.code;
      event.data = reinterpret_cast<const std::uint8_t*>(close.reason);
      event.len = close.reason_len;
      return event;
    }
  }
  event.data = payload;
  event.len = frame.payload_len;
  return event;
}

WsAssemblerEvent WsMessageAssembler::feed(const WsFrameView& frame) noexcept {
  if (sticky_error_ != WsError::none) {
    WsAssemblerEvent event;
    event.kind = WsEventKind::error;
    event.error = sticky_error_;
    return event;
  }
  // The decoder enforces these; repeated here because a frame view may come from
  // elsewhere, and an unmasked client-to-server frame must never be accepted.
  if (frame.masked && role_ == WsRole::client) return fail(WsError::unexpected_mask);
  if (!frame.masked && role_ == WsRole::server) return fail(WsError::missing_mask);

  // The receive buffer is the caller's and mutable (see the header); the view is const
  // only because the decoder itself never writes.
  auto* payload = const_cast<std::uint8_t*>(frame.payload);
  const std::size_t len = frame.payload_len;

  if (is_control(frame.opcode)) {
    if (!frame.fin) return fail(WsError::control_fragmented);
    if (len > kWsMaxControlPayload) return fail(WsError::control_too_long);
    if (frame.masked) ws_mask_in_place(payload, len, frame.mask_key);
    return control(frame, payload);
  }

  if (frame.opcode == WsOpcode::continuation) {
    if (open_kind_ == WsEventKind::none) return fail(WsError::unexpected_continuation);
    if (len > capacity_ - used_) return fail(WsError::too_big);
    std::uint8_t* dest = buffer_.get() + used_;
    if (len != 0) std::memcpy(dest, payload, len);
    if (frame.masked) ws_mask_in_place(dest, len, frame.mask_key);
    if (open_kind_ == WsEventKind::text && !utf8_.feed(dest, len)) {
      return fail(WsError::invalid_utf8);
    }
    used_ += len;
    if (!frame.fin) return WsAssemblerEvent{};
    if (open_kind_ == WsEventKind::text && !utf8_.complete()) return fail(WsError::invalid_utf8);
    WsAssemblerEvent event;
    event.kind = open_kind_;
    event.data = buffer_.get();
    event.len = used_;
    open_kind_ = WsEventKind::none;
    used_ = 0;
    return event;
  }

  // A new text or binary message.
  if (open_kind_ != WsEventKind::none) return fail(WsError::expected_continuation);
  if (len > capacity_) return fail(WsError::too_big);
  const WsEventKind kind = frame.opcode == WsOpcode::text ? WsEventKind::text : WsEventKind::binary;

  if (frame.fin) {
    // The common case: the whole message in one frame, delivered where it lies.
    if (frame.masked) ws_mask_in_place(payload, len, frame.mask_key);
    if (kind == WsEventKind::text && !is_valid_utf8(payload, len)) {
      return fail(WsError::invalid_utf8);
    }
    WsAssemblerEvent event;
    event.kind = kind;
    event.data = payload;
    event.len = len;
    return event;
  }

  if (len != 0) std::memcpy(buffer_.get(), payload, len);
  if (frame.masked) ws_mask_in_place(buffer_.get(), len, frame.mask_key);
  if (kind == WsEventKind::text) {
    utf8_.reset();
    if (!utf8_.feed(buffer_.get(), len)) return fail(WsError::invalid_utf8);
  }
  open_kind_ = kind;
  used_ = len;
  return WsAssemblerEvent{};
}

}  // namespace ballast::net
