package dev.relay.protocol.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Frame;
import dev.relay.protocol.StreamAccept;
import dev.relay.protocol.StreamOpen;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two stream tables back to back, as the server and the client use them: the server opens a stream for a user
 * socket, the client accepts it for a target socket, and frames are carried between the two control channels by
 * hand. The sockets are fed only while their {@code autoRead} is on, as a real socket would be.
 */
class StreamRelayTest {
    private static final int WINDOW = 256;

    private final EmbeddedChannel serverControl = new EmbeddedChannel();
    private final EmbeddedChannel clientControl = new EmbeddedChannel();
    private final StreamTable server = new StreamTable(serverControl, WINDOW);
    private final StreamTable client = new StreamTable(clientControl, WINDOW);
    private final List<StreamEndpoint> ended = new ArrayList<>();
    private final List<EmbeddedChannel> sockets = new ArrayList<>();
    private int maxBuffered;
    private int writabilityChanges;

    @AfterEach
    void finish() {
        server.closeAll("test over");
        client.closeAll("test over");
        sockets.forEach(EmbeddedChannel::finishAndReleaseAll);
        serverControl.finishAndReleaseAll();
        clientControl.finishAndReleaseAll();
    }

    @Test
    void acceptAdvertisesThisSidesWindow() {
        StreamEndpoint stream = client.create(4, ended::add);
        stream.sendAccept();
        clientControl.runPendingTasks();
        assertThat((Object) clientControl.readOutbound()).isEqualTo(new StreamAccept(4, WINDOW));
    }

    @Test
    void bulkDataCrossesInBothDirectionsWithinTheWindows() {
        // A tiny control buffer too, so that writability toggles along the way.
        for (EmbeddedChannel control : List.of(serverControl, clientControl)) {
            control.config().setWriteBufferWaterMark(new WriteBufferWaterMark(64, 128));
        }
        forwardWritability(serverControl, server);
        forwardWritability(clientControl, client);

        StreamEndpoint serverStream = server.create(server.nextStreamId(), ended::add);
        EmbeddedChannel user = socket(serverStream);
        serverControl.writeAndFlush(new StreamOpen(serverStream.id(), 1, serverStream.receiveWindow(), "user"));
        pump();
        StreamEndpoint clientStream = client.get(1);
        EmbeddedChannel target = sockets.get(1);
        assertThat(user.config().isAutoRead()).as("the server reads once accepted").isTrue();
        assertThat(target.config().isAutoRead()).isTrue();

        byte[] request = random(10_000, 1);
        byte[] response = random(7_000, 2);
        ByteArrayOutputStream atTarget = new ByteArrayOutputStream();
        ByteArrayOutputStream atUser = new ByteArrayOutputStream();
        Random chunks = new Random(3);
        int sentUp = 0;
        int sentDown = 0;
        for (int turn = 0; turn < 10_000 && (atTarget.size() < request.length || atUser.size() < response.length);
                turn++) {
            if (user.config().isAutoRead() && sentUp < request.length) {
                int n = Math.min(request.length - sentUp, 1 + chunks.nextInt(400));
                user.writeInbound(Unpooled.wrappedBuffer(request, sentUp, n));
                sentUp += n;
            }
            if (target.config().isAutoRead() && sentDown < response.length) {
                int n = Math.min(response.length - sentDown, 1 + chunks.nextInt(400));
                target.writeInbound(Unpooled.wrappedBuffer(response, sentDown, n));
                sentDown += n;
            }
            pump();
            drainTo(target, atTarget);
            drainTo(user, atUser);
        }
        assertThat(atTarget.toByteArray()).isEqualTo(request);
        assertThat(atUser.toByteArray()).isEqualTo(response);
        assertThat(serverStream.bytesFromSocket()).isEqualTo(request.length);
        assertThat(clientStream.bytesToSocket()).isEqualTo(request.length);
        assertThat(clientStream.bytesFromSocket()).isEqualTo(response.length);
        assertThat(serverStream.bytesToSocket()).isEqualTo(response.length);
        // Each side holds at most what it advertised plus one socket read still waiting for credit.
        assertThat(maxBuffered).isLessThanOrEqualTo(WINDOW + 400);
        assertThat(writabilityChanges).as("the control channels went unwritable and back").isGreaterThan(1);

        // Both ends finish: the user half-closes first, then the target.
        user.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        pump();
        assertThat(ended).isEmpty();
        target.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        pump();
        assertThat(ended).containsExactlyInAnyOrder(serverStream, clientStream);
        assertThat(user.isOpen()).isFalse();
        assertThat(target.isOpen()).isFalse();
        assertThat(server.size()).isZero();
        assertThat(client.size()).isZero();
    }

    @Test
    void userDisconnectResetsTheTargetSocket() {
        StreamEndpoint serverStream = server.create(server.nextStreamId(), ended::add);
        EmbeddedChannel user = socket(serverStream);
        serverControl.writeAndFlush(new StreamOpen(serverStream.id(), 1, serverStream.receiveWindow(), "user"));
        pump();
        EmbeddedChannel target = sockets.get(1);

        user.close();
        pump();
        assertThat(target.isOpen()).isFalse();
        assertThat(client.get(1)).isNull();
        assertThat(ended).hasSize(2).allSatisfy(s -> assertThat(s.closeReason()).isEqualTo("connection closed"));
    }

    /** Carries frames between the two control channels until neither has anything left to say. */
    private void pump() {
        boolean moved = true;
        while (moved) {
            moved = false;
            serverControl.runPendingTasks();
            clientControl.runPendingTasks();
            for (Object m; (m = serverControl.readOutbound()) != null; ) {
                toClient((Frame) m);
                moved = true;
            }
            for (Object m; (m = clientControl.readOutbound()) != null; ) {
                toServer((Frame) m);
                moved = true;
            }
            for (StreamTable table : List.of(server, client)) {
                StreamEndpoint s = table.get(1);
                if (s != null) {
                    maxBuffered = Math.max(maxBuffered, s.bufferedBytes());
                }
            }
        }
    }

    /** What {@code ClientControlHandler} and {@code LocalTargetDialer} do. */
    private void toClient(Frame frame) {
        if (client.handle(frame)) {
            return;
        }
        StreamOpen open = (StreamOpen) frame;
        StreamEndpoint stream = client.create(open.streamId(), ended::add);
        stream.open(open.window());
        stream.sendAccept();
        socket(stream);
    }

    /** What {@code ServerControlHandler} does. */
    private void toServer(Frame frame) {
        if (server.handle(frame)) {
            return;
        }
        StreamAccept accept = (StreamAccept) frame;
        server.get(accept.streamId()).open(accept.window());
    }

    private EmbeddedChannel socket(StreamEndpoint stream) {
        EmbeddedChannel socket = new EmbeddedChannel(new StreamSocketHandler(stream));
        socket.config().setAutoRead(false);
        sockets.add(socket);
        stream.attach(socket);
        return socket;
    }

    private void forwardWritability(EmbeddedChannel control, StreamTable table) {
        control.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                writabilityChanges++;
                table.writabilityChanged();
            }
        });
    }

    private static void drainTo(EmbeddedChannel socket, ByteArrayOutputStream out) {
        for (Object m; (m = socket.readOutbound()) != null; ) {
            out.writeBytes(ByteBufUtil.getBytes((ByteBuf) m));
            ReferenceCountUtil.release(m);
        }
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
