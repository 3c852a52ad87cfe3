/// Max pooling over `kernel × kernel` windows moved by `stride`, no padding; each channel
/// separately.
///
/// Shapes: x `[N, C, H, W]`, y `[N, C, P, Q]` with `P = floor((H − kernel) / stride) + 1`.
/// Backward routes each `dy` to the first position (in row-major window order) that holds the
/// window's maximum; it is found again from x and y rather than stored. Overlapping windows
/// (`stride < kernel`) add up.
public struct MaxPool2D: Layer {
    public let input: FeatureShape
    public let kernel: Int
    public let stride: Int

    /// `nil` if the window does not fit in the input or a size is not positive.
    public init?(input: FeatureShape, kernel: Int, stride: Int) {
        guard kernel > 0, stride > 0, input.height >= kernel, input.width >= kernel else { return nil }
        self.input = input
        self.kernel = kernel
        self.stride = stride
    }

    public var specification: LayerSpecification { .maxPool(kernel: kernel, stride: stride) }
    public var inputShape: FeatureShape { input }
    public var outputShape: FeatureShape {
        FeatureShape(channels: input.channels, height: (input.height - kernel) / stride + 1,
                     width: (input.width - kernel) / stride + 1)
    }

    public func forward(_ pass: LayerForward) {
        let out = outputShape
        let planes = pass.batch * input.channels
        for plane in 0 ..< planes {
            let x = pass.input + plane * input.height * input.width
            let y = pass.output + plane * out.height * out.width
            for p in 0 ..< out.height {
                for q in 0 ..< out.width {
                    let origin = x + p * stride * input.width + q * stride
                    var best = origin[0]
                    for r in 0 ..< kernel {
                        for s in 0 ..< kernel { best = max(best, origin[r * input.width + s]) }
                    }
                    y[p * out.width + q] = best
                }
            }
        }
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        let out = outputShape
        let planes = pass.batch * input.channels
        dInput.update(repeating: 0, count: pass.batch * input.count)
        for plane in 0 ..< planes {
            let x = pass.input + plane * input.height * input.width
            let dx = dInput + plane * input.height * input.width
            let y = pass.output + plane * out.height * out.width
            let dy = pass.dOutput + plane * out.height * out.width
            for p in 0 ..< out.height {
                for q in 0 ..< out.width {
                    let offset = p * stride * input.width + q * stride
                    let best = y[p &* out.width &+ q]
                    // The first position holding the maximum: scan backwards with a branch-free
                    // select, so the last match seen is the first in window order.
                    var argmax = offset
                    var r = kernel &- 1
                    while r >= 0 {
                        var s = kernel &- 1
                        while s >= 0 {
                            let j = offset &+ r &* input.width &+ s
                            argmax = x[j] == best ? j : argmax
                            s &-= 1
                        }
                        r &-= 1
                    }
                    dx[argmax] += dy[p &* out.width &+ q]
                }
            }
        }
    }
}
