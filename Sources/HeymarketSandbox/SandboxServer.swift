import Foundation
import Hummingbird
import Logging
import NIOCore

/// Serves a ``SandboxService`` over HTTP with Hummingbird.
public enum SandboxServer {
    /// Largest request body accepted (larger: 413).
    public static let maximumBodySize = 16 * 1024 * 1024

    /// Starts a sandbox serving `service` (on an ephemeral port of 127.0.0.1),
    /// runs `body` with it, and stops it however `body` ends: the one way tests,
    /// the demo and `--sandbox` hold a sandbox for a while (as HummingbirdTesting's `test` does).
    public static func with<T>(service: SandboxService = SandboxService(), isolation: isolated (any Actor)? = #isolation,
                               _ body: (RunningSandbox) async throws -> T) async throws -> T {
        let running = try await start(service: service)
        do {
            let result = try await body(running)
            await running.stop()
            return result
        } catch {
            await running.stop()
            throw error
        }
    }

    /// Starts a server on `host:port` (port 0: an ephemeral port) and returns once
    /// it is listening. Stop it with ``RunningSandbox/stop()`` (or use ``with(service:isolation:_:)``).
    public static func start(
        service: SandboxService,
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger = Logger(label: "hmq.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> RunningSandbox {
        let responder = CallbackResponder<BasicRequestContext> { request, context in
            var body: [UInt8] = []
            do {
                body = Array(buffer: try await request.body.collect(upTo: maximumBodySize))
            } catch {
                let tooLarge = SandboxService.error(413, "payload_too_large", "request body is larger than \(maximumBodySize) bytes")
                return makeResponse(tooLarge)
            }
            let answer = await service.handle(SandboxRequest(
                method: request.method.rawValue,
                path: request.uri.path,
                authorization: request.headers[.authorization],
                body: body))
            return makeResponse(answer)
        }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? port)
                portContinuation.finish()
            },
            logger: logger
        )
        let task = Task {
            do {
                try await app.run()
            } catch {
                logger.error("sandbox stopped: \(error)")
            }
            portContinuation.finish()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let boundPort = await iterator.next() else {
            task.cancel()
            throw SandboxDatasetError(message: "the sandbox could not listen on \(host):\(port)")
        }
        return RunningSandbox(host: host, port: boundPort, service: service, task: task)
    }

    private static func makeResponse(_ answer: SandboxResponse) -> Response {
        var headers = HTTPFields()
        for header in answer.headers {
            if let name = HTTPFields.Element.Name(header.name) { headers.append(HTTPFields.Element(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

/// A sandbox that is listening. Its ``baseURL`` goes to the client.
public final class RunningSandbox: Sendable {
    public let host: String
    public let port: Int
    public let service: SandboxService
    private let task: Task<Void, Never>

    init(host: String, port: Int, service: SandboxService, task: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.service = service
        self.task = task
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Stops listening and waits for the server to finish.
    public func stop() async {
        task.cancel()
        await task.value
    }

    /// Waits until the server stops (for `hmq sandbox serve`).
    public func wait() async {
        await task.value
    }
}
