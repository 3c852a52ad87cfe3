/// Fovea's version, printed by `fovea --version` (and written into checkpoints).
public enum FoveaVersion {
    public static let current = "0.2.0"
}
