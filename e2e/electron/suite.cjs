// Runs inside VS Code's extension host: opens the guide example and waits for Nix VFIO's
// diagnostics through the vscode API.
const assert = require('node:assert/strict');
const path = require('node:path');
const vscode = require('vscode');

/** Resolves with the diagnostics of `uri` once Nix VFIO has published some. */
function diagnosticsFor(uri) {
  return new Promise((resolve) => {
    const check = () => {
      const found = vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'nix-vfio');
      if (found.length > 0) {
        subscription.dispose();
        resolve(found);
      }
    };
    const subscription = vscode.languages.onDidChangeDiagnostics(check);
    check();
  });
}

exports.run = async function run() {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, 'VS Code opened the example folder');
  const uri = vscode.Uri.file(path.join(folder, 'configuration.nix'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const diagnostics = await diagnosticsFor(uri);
  const codes = diagnostics.map((diagnostic) => (typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code)).sort();
  assert.ok(codes.includes('intel-iommu-missing'), codes.join(', '));
  assert.ok(codes.includes('iommu-param-wrong-vendor'), codes.join(', '));
};
