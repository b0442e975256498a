/// `hmq --version`.
enum Version {
    static let number = "0.2.0"
    static var text: String { number }
}
