#!/usr/bin/env bash
# Builds an MNIST-style folder of Fashion-MNIST (Zalando Research, MIT licence): the four IDX files
# train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
# t10k-labels-idx1-ubyte.gz, 60,000 training and 10,000 test images of 28 × 28, labels 0–9.
#
# The data come from Debian's `dataset-fashion-mnist` package (main, Expat licence), which bundles
# the four files: taken from /usr/share/datasets/fashion-mnist when the package is installed, else
# fetched with `apt-get download` (no root needed) and unpacked with `dpkg-deb`. Nothing else is
# downloaded. The decompressed contents are checked against the SHA-256 sums of the canonical
# files (below) before anything is written; the .gz files are copied as the package has them.
#
# Usage: scripts/make-fashion-mnist.sh [FOLDER]      (default: data/fashion-mnist, git-ignored)
set -euo pipefail

repository=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-$repository/data/fashion-mnist}
package=dataset-fashion-mnist
installed=/usr/share/datasets/fashion-mnist

# SHA-256 of the decompressed IDX files as Zalando Research published them (the same bytes as in
# the upstream .gz files whose MD5 the Fashion-MNIST README lists).
canonical_sums="\
c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888  train-images-idx3-ubyte
bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9  train-labels-idx1-ubyte
5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b  t10k-images-idx3-ubyte
0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34  t10k-labels-idx1-ubyte"

fail() { echo "make-fashion-mnist: $*" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

source=$installed
if ! [ -f "$source/train-images-idx3-ubyte.gz" ]; then
    echo "fetching the Debian package $package (about 31 MB) with apt-get download" >&2
    (cd "$scratch" && apt-get download "$package" >&2) ||
        fail "apt-get download $package failed (run 'apt-get update' as root, or install the package: apt-get install $package)"
    dpkg-deb -x "$scratch"/${package}_*.deb "$scratch/root" || fail "$scratch: could not unpack the $package .deb (is dpkg-deb installed?)"
    source=$scratch/root$installed
fi

# Check the decompressed contents before writing anything.
while read -r sum name; do
    [ -f "$source/$name.gz" ] || fail "$source/$name.gz: missing from the package (the package layout changed; update this script)"
    actual=$(gzip -dc "$source/$name.gz" | sha256sum | cut -d' ' -f1) ||
        fail "$source/$name.gz: not a valid gzip file (reinstall or re-download $package)"
    [ "$actual" = "$sum" ] ||
        fail "$source/$name.gz: decompressed SHA-256 is $actual, expected $sum (not the canonical Fashion-MNIST; do not use it)"
done <<< "$canonical_sums"

# Copy into a sibling folder and rename each file into place, so an interrupted run leaves no
# half-written file under the final name.
mkdir -p "$target"
staging=$(mktemp -d "$target/.making-XXXXXX")
trap 'rm -rf "$scratch" "$staging"' EXIT
while read -r _ name; do
    cp "$source/$name.gz" "$staging/$name.gz"
done <<< "$canonical_sums"
(cd "$staging" && sha256sum -- *.gz > SHA256SUMS)
for file in "$staging"/*.gz "$staging/SHA256SUMS"; do
    mv -f "$file" "$target/"
done
echo "wrote $target: Fashion-MNIST, 60,000 training and 10,000 test images of 28 × 28, 10 classes (check with: cd $target && sha256sum -c SHA256SUMS)"
