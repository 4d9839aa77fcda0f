import NIOCore
import NIOHTTPTypes

/// Gives a request `timeout` from its head to its end, so a client that sends its body a byte at a time
/// cannot hold a handler (and its connection) for long. When the time is up the request's body stream
/// fails with `BodyDeadlineHandler.Exceeded`, which `BodyDeadlineMiddleware` answers with 408.
///
/// A channel handler rather than a timer task per request: a request that arrives whole in one read
/// (almost all of them) costs two comparisons; a timer is scheduled on the event loop only when a read
/// ends with a request still incomplete.
final class BodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    /// The body did not arrive in time.
    struct Exceeded: Error {}

    private let timeout: TimeAmount
    /// When the current request's head arrived; nil between requests.
    private var started: NIODeadline?
    private var timer: Scheduled<Void>?

    init(timeout: Duration) {
        self.timeout = TimeAmount(timeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: started = .now()
        case .body: break
        case .end:
            started = nil
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let started, timer == nil {
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: started + timeout) { [self] in
                timer = nil
                guard self.started != nil else { return }
                self.started = nil
                context.fireErrorCaught(Exceeded())
            }
        }
        context.fireChannelReadComplete()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }
}
