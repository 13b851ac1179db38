// Starts GraphiQL on the Harmony playground page.
//
// Loaded after React, ReactDOM, GraphiQL and the explorer plugin (all served by
// the gateway itself). The page's settings come from the JSON block
// #harmony-playground-config, written by internal/playground, so that this file
// stays static and the Content-Security-Policy needs no inline script.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var config = JSON.parse(
    document.getElementById('harmony-playground-config').textContent,
  );

  // GraphiQL's dialogs add a <style> element at run time (react-remove-scroll);
  // it tags it with this nonce, which the page's CSP allows.
  if (config.styleNonce) {
    window.__webpack_nonce__ = config.styleNonce;
  }

  // localStorage, with every key prefixed so that GraphiQL's saved tabs and
  // history do not mix with other apps served from the same origin.
  function PrefixedStorage(prefix) {
    this.prefix = prefix;
  }
  PrefixedStorage.prototype._keys = function () {
    var keys = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key !== null && key.indexOf(this.prefix) === 0) {
        keys.push(key.slice(this.prefix.length));
      }
    }
    return keys;
  };
  PrefixedStorage.prototype.getItem = function (key) {
    return localStorage.getItem(this.prefix + key);
  };
  PrefixedStorage.prototype.setItem = function (key, value) {
    localStorage.setItem(this.prefix + key, value);
  };
  PrefixedStorage.prototype.removeItem = function (key) {
    localStorage.removeItem(this.prefix + key);
  };
  PrefixedStorage.prototype.clear = function () {
    var self = this;
    this._keys().forEach(function (key) {
      localStorage.removeItem(self.prefix + key);
    });
  };
  PrefixedStorage.prototype.key = function (index) {
    var keys = this._keys();
    return index >= 0 && index < keys.length ? keys[index] : null;
  };
  Object.defineProperty(PrefixedStorage.prototype, 'length', {
    get: function () {
      return this._keys().length;
    },
  });

  function storage() {
    try {
      localStorage.getItem('probe');
      return new PrefixedStorage(config.storagePrefix);
    } catch (e) {
      return null; // storage disabled: null makes GraphiQL keep state in memory
    }
  }

  // HTTP for queries and mutations; graphql-transport-ws on the same path for
  // subscriptions (ws: or wss: following the page's scheme).
  var url = new URL(config.endpoint, window.location.href);
  var subscriptionUrl = new URL(url.href);
  subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';

  var store = storage();
  var baseFetcher = GraphiQL.createFetcher({
    url: url.href,
    subscriptionUrl: subscriptionUrl.href,
  });
  // GraphiQL 4 keeps the operation name of the first default tab when
  // another, never edited, default tab runs ("operation X not found"). Drop
  // a name the document does not define, so a single-operation document runs
  // and a document with several still gets the server's own error.
  function defines(query, name) {
    var escaped = name.replace(/[^_0-9A-Za-z]/g, '');
    return new RegExp('\\b(query|mutation|subscription)\\s+' + escaped + '\\b').test(query || '');
  }
  function fetcher(params, opts) {
    if (params && params.operationName && !defines(params.query, params.operationName)) {
      params = Object.assign({}, params, { operationName: undefined });
    }
    return baseFetcher(params, opts);
  }
  var props = {
    fetcher: fetcher,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    storage: store,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
  };
  if (config.defaultHeaders) {
    props.defaultHeaders = config.defaultHeaders;
  }
  // GraphiQL opens defaultTabs only while it has no saved tabs, i.e. on the
  // first visit; later it restores the analyst's own tabs.
  if (config.tabs && config.tabs.length > 0) {
    props.defaultTabs = config.tabs;
    // GraphiQL 4 does not put the first default tab's variables into the
    // variables editor until the tab is switched to again; hand them over as
    // the initial value. Only on the first visit: with saved tabs, a fixed
    // variables prop would make GraphiQL open an extra tab on every load.
    var firstVisit = !store || store.getItem('graphiql:tabState') === null;
    if (firstVisit && config.tabs[0].variables) {
      props.variables = config.tabs[0].variables;
      props.defaultEditorToolsVisibility = 'variables';
    }
  }

  root.textContent = '';
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
