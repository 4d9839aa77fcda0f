/// A person's name split for ASAP (last, first, middle), from one line such as `"Dr. Maya Lin"`:
/// titles (`Dr.`, `Mr.` ...) and suffixes (`Jr.`, `MD` ...) dropped, the last word the last name.
struct PersonName {
    var first = "", middle = "", last = ""

    static let titles: Set<String> = ["dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx."]
    static let suffixes: Set<String> = ["jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "md", "m.d.", "do", "pharmd", "rn", "np", "pa"]

    init(_ text: String) {
        var words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        while let w = words.first, Self.titles.contains(w.lowercased()) { words.removeFirst() }
        while words.count > 1, let w = words.last, Self.suffixes.contains(w.lowercased()) { words.removeLast() }
        guard let l = words.popLast() else { return }
        last = l
        if !words.isEmpty { first = words.removeFirst() }
        middle = words.joined(separator: " ")
    }
}
