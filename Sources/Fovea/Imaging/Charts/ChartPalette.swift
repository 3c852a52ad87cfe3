/// The colours of Fovea's charts: the Okabe–Ito palette (Okabe & Ito, "Color Universal Design",
/// 2008), whose colours stay distinct for the common forms of colour blindness, and grays for
/// the frame, the grid and the text. Yellow (#F0E442) is left out: it is too light on white.
public enum ChartPalette {
    public static let blue = RGBColor(hex: 0x0072B2)
    public static let orange = RGBColor(hex: 0xE69F00)
    public static let bluishGreen = RGBColor(hex: 0x009E73)
    public static let vermillion = RGBColor(hex: 0xD55E00)
    public static let reddishPurple = RGBColor(hex: 0xCC79A7)
    public static let skyBlue = RGBColor(hex: 0x56B4E9)

    /// Series colours in the order to use them.
    public static let series: [RGBColor] = [blue, orange, bluishGreen, vermillion, reddishPurple, skyBlue]

    /// Text: titles, tick labels, the legend.
    public static let text = RGBColor(hex: 0x000000)
    /// The plot's frame and tick marks.
    public static let frame = RGBColor(hex: 0x555555)
    /// Grid lines at the major ticks.
    public static let grid = RGBColor(hex: 0xE3E3E3)
    /// Notes (values left out).
    public static let note = RGBColor(hex: 0x666666)
    public static let background = RGBColor.white
}
