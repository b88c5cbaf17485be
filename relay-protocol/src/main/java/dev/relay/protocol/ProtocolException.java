package dev.relay.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * The peer broke the protocol. A connection error closes the whole control connection (after a {@link GoAway});
 * the decoder throws nothing else for bad input.
 */
public final class ProtocolException extends DecoderException {
    private final ErrorCode code;

    public ProtocolException(String message) {
        this(ErrorCode.PROTOCOL_ERROR, message);
    }

    public ProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
