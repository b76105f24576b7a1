#!/usr/bin/env bash
# Installs the Debian packages the build and tests need (run as root, or with sudo available).
# Skips apt entirely when everything is already installed.
set -euo pipefail

# Build tools and Python; Vulkan (headers, shaderc and its static dependencies, Mesa's lavapipe, the
# Khronos validation layer) and EGL/OpenGL ES (headers, Mesa's llvmpipe) for the GPU delegates, which
# the tests run on the CPU through Mesa's software drivers. libpng/libjpeg decode input images
# (lite run --image, the C API); pkg-config checks the install layout; chromium renders the
# profile chart in a test.
packages=(build-essential python3-venv python3-pip unzip
  libvulkan-dev mesa-vulkan-drivers libshaderc-dev glslang-dev spirv-tools glslc vulkan-validationlayers
  libegl-dev libgles-dev libegl-mesa0 libgl1-mesa-dri
  libpng-dev libjpeg-dev pkg-config chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-deps.sh: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
