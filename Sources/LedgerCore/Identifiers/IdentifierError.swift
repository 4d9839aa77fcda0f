/// Why an identifier, date or quantity was refused.
///
/// The `message` is one line meant for the person who typed or scanned the
/// value: it names the field and says what is wrong with it, for example
/// `DEA number AB1234562 has a wrong check digit (expected 3)`.
/// Two errors are equal when their codes are equal; the message is for people.
public struct IdentifierError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A DEA registration number that is not 2 letters and 7 digits, or
        /// whose first letter is not a registrant type.
        case invalidDEA
        /// A DEA registration number whose last digit does not match the others.
        case deaCheckDigit
        /// An NDC that is not in one of the known layouts.
        case invalidNDC
        /// An NDC written without hyphens whose layout cannot be told.
        case ambiguousNDC
        /// A GTIN that is not 8, 12, 13 or 14 digits.
        case invalidGTIN
        /// A GTIN whose last digit is not its GS1 check digit.
        case gtinCheckDigit
        /// A GS1 scan that cannot be read (bad prefix, truncated, missing GTIN ...).
        case invalidScan
        /// A GS1 scan holding an application identifier this ledger does not know.
        case unknownAI
        /// A lot (batch) number that is empty, too long or has a character
        /// outside the GS1 character set 82.
        case invalidLot
        /// A serial number that is empty, too long or has a character outside
        /// the GS1 character set 82.
        case invalidSerial
        /// An expiry date that is not a valid calendar date in the expected form.
        case invalidExpiry
        /// A quantity that is not a plain decimal number within range.
        case invalidQuantity
        /// Arithmetic on quantities that would leave the representable range.
        case quantityOverflow
    }

    /// What kind of problem was found.
    public let code: Code
    /// One line naming the field and what is wrong with it.
    public let message: String

    /// Makes an error; `message` must be a single line.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// Errors are equal when their codes are equal.
    public static func == (lhs: IdentifierError, rhs: IdentifierError) -> Bool {
        lhs.code == rhs.code
    }
}
