# Chebyshev coefficients of Q(y) = erfc(z)·e^(z²)/t, t = K/(K+z), on
# t ∈ [K/(K+zmax), 1] mapped to y ∈ [-1, 1], by interpolation at N Chebyshev
# nodes in 60-digit arithmetic (mpmath), truncated to the first M terms.
import mpmath as mp, struct
mp.mp.dps = 60
def cheb(K, zmax, N):
    tmin = K/(K+zmax)
    def f(y):
        t = tmin + (y+1)*(1-tmin)/2
        z = K/t - K
        return mp.erfc(z)*mp.exp(z*z)/t
    nodes = [mp.cos(mp.pi*(j+mp.mpf(1)/2)/N) for j in range(N)]
    vals = [f(y) for y in nodes]
    c = [2*sum(vals[j]*mp.cos(mp.pi*k*(j+mp.mpf(1)/2)/N) for j in range(N))/N for k in range(N)]
    c[0] /= 2
    return c, tmin
def f32(x):
    return struct.unpack('f', struct.pack('f', float(x)))[0]
for name, K, zmax, M, conv in [("erfcCheb64", 4, 28.5, 24, float), ("erfcCheb32", 3, 11.5, 10, f32)]:
    c, tmin = cheb(K, zmax, 60)
    print("// %s: K = %d, t from %s to 1, %d terms; first dropped term %.3g" % (name, K, mp.nstr(tmin, 17), M, float(c[M])))
    print("var %s = []float64{" % name)
    for v in c[:M]:
        print("\t%s," % conv(v).hex())
    print("}")
    print("const %sTmin = %s" % (name, float(tmin).hex()))
