// swift-tools-version:6.0
// csv-bench: our hand-written CSV reader against the Swift CSV libraries, on the same bytes.
// A separate package so the product itself gains no dependency.
import PackageDescription

let package = Package(
    name: "safety-report-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "safety-report", path: ".."),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        .executableTarget(
            name: "csv-bench",
            dependencies: [
                .product(name: "SafetyReport", package: "safety-report"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
